"""An RFC 6960 OCSP responder with one delegated responder certificate per CA.

It reads the PKI through two small protocols, met by ``certs.pki.Pki`` and
``certs.revocation.Revocation`` (the ORM) and by ``certs.pki_view.SqlitePkiView`` (read-only,
the sqlite3 module: what ``kyso verify`` uses), so both answer with the same responses.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Protocol

from asn1crypto import core, ocsp, x509

from certs.profiles import AUTHORITIES
from certs.records import RevocationStatus
from certs.x509build import KeyRef
from common.clock import Clock

log = logging.getLogger(__name__)


class ResponderBook(Protocol):
    """What the responder reads of the PKI: CA and responder certificates, keys, the time."""

    @property
    def clock(self) -> Clock: ...

    def authority_certificate(self, ca: str) -> x509.Certificate: ...

    def ocsp_responder(self, ca: str) -> tuple[bytes, str | None] | None: ...

    def key_ref(self, label: str) -> KeyRef: ...


class StatusBook(Protocol):
    def status(self, ca: str, serial: int) -> RevocationStatus: ...


@dataclass(frozen=True)
class _Issuer:
    ca: str
    certificate: x509.Certificate
    responder: x509.Certificate
    signer: KeyRef

    @cached_property
    def responder_der(self) -> bytes:
        return bytes(self.responder.dump())

    @cached_property
    def _hashes(self) -> dict[str, tuple[bytes, bytes]]:
        """(issuer name hash, issuer key hash) per CertID hash algorithm."""
        name = self.certificate.subject.dump()
        key_bits = self.certificate.public_key["public_key"].contents[1:]  # no unused-bits byte
        return {
            algo: (hashlib.new(algo, name).digest(), hashlib.new(algo, key_bits).digest())
            for algo in ("sha1", "sha256", "sha384", "sha512")
        }

    def matches(self, cert_id: ocsp.CertId) -> bool:
        expected = self._hashes.get(cert_id["hash_algorithm"]["algorithm"].native)
        return expected is not None and expected == (
            cert_id["issuer_name_hash"].native,
            cert_id["issuer_key_hash"].native,
        )


class OcspResponder:
    def __init__(
        self, pki: ResponderBook, revocation: StatusBook, validity: timedelta = timedelta(hours=4)
    ) -> None:
        self.pki = pki
        self.revocation = revocation
        self.validity = validity
        self._issuers: list[_Issuer] | None = None

    def _load_issuers(self) -> list[_Issuer]:
        if self._issuers is None:
            issuers = []
            for ca, _parent, _display in AUTHORITIES:
                found = self.pki.ocsp_responder(ca)
                if found is None or found[1] is None:
                    continue
                issuers.append(
                    _Issuer(
                        ca,
                        self.pki.authority_certificate(ca),
                        x509.Certificate.load(found[0]),
                        self.pki.key_ref(found[1]),
                    )
                )
            self._issuers = issuers
        return self._issuers

    def respond(self, request_der: bytes) -> bytes:
        """Answer a DER OCSPRequest with a DER OCSPResponse (never raises on bad input)."""
        try:
            request = ocsp.OCSPRequest.load(request_der)
            singles = list(request["tbs_request"]["request_list"])
            nonce = request.nonce_value
            for single in singles:
                single["req_cert"].native  # noqa: B018 - parse now: a bad request fails here
        except (ValueError, TypeError, KeyError):
            return _status_only("malformed_request")
        if not singles:
            return _status_only("malformed_request")
        issuers = self._load_issuers()
        issuer = next((i for i in issuers if i.matches(singles[0]["req_cert"])), None)
        if issuer is None:
            return _status_only("unauthorized")
        now = self.pki.clock.now().replace(microsecond=0)
        responses = []
        for single in singles:
            cert_id = single["req_cert"]
            if issuer.matches(cert_id):
                status = self.revocation.status(issuer.ca, cert_id["serial_number"].native)
            else:
                status = RevocationStatus("unknown")
            responses.append(
                {
                    "cert_id": cert_id,
                    "cert_status": _cert_status(status),
                    "this_update": now,
                    "next_update": now + self.validity,
                }
            )
        tbs: dict[str, object] = {
            "version": "v1",
            "responder_id": ocsp.ResponderId(
                name="by_key", value=bytes(issuer.responder.public_key.sha1)
            ),
            "produced_at": now,
            "responses": responses,
        }
        if nonce is not None:
            tbs["response_extensions"] = [
                {"extn_id": "nonce", "critical": False, "extn_value": nonce.native}
            ]
        response_data = ocsp.ResponseData(tbs)
        basic = ocsp.BasicOCSPResponse(
            {
                "tbs_response_data": response_data,
                "signature_algorithm": issuer.signer.scheme.asn1_algorithm(),
                "signature": issuer.signer.sign(response_data.dump()),
                "certs": [x509.Certificate.load(issuer.responder_der)],
            }
        )
        response = ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
            }
        )
        return bytes(response.dump())


def _cert_status(status: RevocationStatus) -> ocsp.CertStatus:
    if status.status == "good":
        return ocsp.CertStatus(name="good", value=core.Null())
    if status.status == "revoked":
        info: dict[str, object] = {"revocation_time": status.revoked_at}
        if status.reason:
            info["revocation_reason"] = status.reason
        return ocsp.CertStatus(name="revoked", value=info)
    return ocsp.CertStatus(name="unknown", value=core.Null())


def _status_only(status: str) -> bytes:
    return bytes(ocsp.OCSPResponse({"response_status": status}).dump())
