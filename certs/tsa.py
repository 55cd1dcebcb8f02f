"""An RFC 3161 time-stamp authority (with the RFC 5816 ESSCertIDv2 signing certificate)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from asn1crypto import algos, cms, core, tsp, x509

from certs.errors import PkiNotFoundError
from certs.pki import Pki
from certs.profiles import POLICY_TSA
from certs.x509build import KeyRef
from common.clock import Clock

log = logging.getLogger(__name__)

#: imprint algorithms accepted; SHA-1 and MD5 are refused (Circular 15/2025/TT-BKHCN)
ACCEPTED_IMPRINTS = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_512": 64}


class TimeStampRejected(Exception):
    def __init__(self, failure: str, text: str) -> None:
        super().__init__(text)
        self.failure = failure
        self.text = text


@dataclass(frozen=True)
class _TokenParts:
    certificate: bytes
    tsa_name: bytes
    sid: bytes
    ess_cert_id: bytes


@dataclass(frozen=True)
class TimeStampAuthority:
    certificate: x509.Certificate
    signer: KeyRef
    clock: Clock
    policy: str = POLICY_TSA
    accuracy_seconds: int = 1

    def respond(self, request_der: bytes) -> bytes:
        """Answer a DER TimeStampReq with a DER TimeStampResp (never raises on bad input)."""
        try:
            request = self._parse(request_der)
            token = self.token(request)
        except TimeStampRejected as rejected:
            log.info("time-stamp request rejected: %s", rejected.failure)
            return _rejection(rejected.failure, rejected.text)
        response = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
        return bytes(response.dump())

    def _parse(self, request_der: bytes) -> tsp.TimeStampReq:
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            request.native  # noqa: B018 - parse fully now
        except (ValueError, TypeError) as exc:
            raise TimeStampRejected("bad_data_format", "not a TimeStampReq") from exc
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in ACCEPTED_IMPRINTS:
            raise TimeStampRejected("bad_alg", f"hash algorithm {algorithm} is not accepted")
        if len(imprint["hashed_message"].native) != ACCEPTED_IMPRINTS[algorithm]:
            raise TimeStampRejected("bad_data_format", "imprint length does not fit its algorithm")
        policy = request["req_policy"].native
        if policy is not None and policy != self.policy:
            raise TimeStampRejected("unaccepted_policy", f"policy {policy} is not offered")
        if request["extensions"].native:
            raise TimeStampRejected("unaccepted_extensions", "extensions are not supported")
        return request

    def token(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        now: datetime = self.clock.now()
        info: dict[str, object] = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": request["message_imprint"],
            "serial_number": secrets.randbits(127) | (1 << 126),
            "gen_time": now,
            "accuracy": {"seconds": self.accuracy_seconds},
            "ordering": False,
            "tsa": x509.GeneralName.load(self._parts.tsa_name),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"].native
        tst_info = tsp.TSTInfo(info)
        content = tst_info.dump()
        digest = self.signer.scheme.digest
        signed_attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "signing_time", "values": [cms.Time({"utc_time": now})]},
                {"type": "message_digest", "values": [hashlib.new(digest, content).digest()]},
                {
                    "type": "signing_certificate_v2",
                    "values": [tsp.SigningCertificateV2.load(self._parts.ess_cert_id)],
                },
            ]
        )
        signature = self.signer.sign(signed_attrs.dump())
        sid = cms.IssuerAndSerialNumber.load(self._parts.sid)
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value=sid),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
                "signed_attrs": signed_attrs,
                "signature_algorithm": self.signer.scheme.asn1_algorithm(),
                "signature": signature,
            }
        )
        signed_data: dict[str, object] = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(content),
            },
            "signer_infos": [signer_info],
        }
        if request["cert_req"].native:
            signed_data["certificates"] = [cms.CertificateChoices.load(self._parts.certificate)]
        return cms.ContentInfo(
            {"content_type": "signed_data", "content": cms.SignedData(signed_data)}
        )

    @cached_property
    def _parts(self) -> _TokenParts:
        """DER of the parts every token repeats, encoded once (asn1crypto re-encodes slowly)."""
        cert = self.certificate
        return _TokenParts(
            certificate=cert.dump(),
            tsa_name=x509.GeneralName(name="directory_name", value=cert.subject).dump(),
            sid=cms.IssuerAndSerialNumber(
                {"issuer": cert.issuer, "serial_number": cert.serial_number}
            ).dump(),
            ess_cert_id=_ess_cert_id_v2(cert).dump(),
        )


def _ess_cert_id_v2(certificate: x509.Certificate) -> tsp.SigningCertificateV2:
    issuer = x509.GeneralName(name="directory_name", value=certificate.issuer)
    return tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "cert_hash": hashlib.sha256(certificate.dump()).digest(),
                    "issuer_serial": {
                        "issuer": [issuer],
                        "serial_number": certificate.serial_number,
                    },
                }
            ]
        }
    )


class StatusOnlyResp(core.Sequence):  # type: ignore[misc]
    """A TimeStampResp without a token (asn1crypto's class insists on one)."""

    _fields = [("status", tsp.PKIStatusInfo)]  # noqa: RUF012 - asn1crypto schema


def _rejection(failure: str, text: str) -> bytes:
    status = {"status": "rejection", "status_string": [text], "fail_info": {failure}}
    return bytes(StatusOnlyResp({"status": status}).dump())


def tsa_from_pki(pki: Pki) -> TimeStampAuthority:
    """The TSA of an initialised PKI (its newest valid time-stamping certificate)."""
    now = pki.clock.now()
    candidates = [r for r in pki.certificates("tsa") if r.status == "good" and r.not_after > now]
    if not candidates or candidates[-1].key_label is None:
        raise PkiNotFoundError("tsa_missing", "no time-stamping certificate (run pki init)")
    newest = candidates[-1]
    assert newest.key_label is not None
    return TimeStampAuthority(newest.certificate, pki.key_ref(newest.key_label), pki.clock)
