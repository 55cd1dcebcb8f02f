"""Report details of a signature: signer, chain, revocation evidence, time-stamps, level.

Citizen ID numbers (CCCD, 12 digits) only ever leave this module masked (``001******567``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime

from asn1crypto import cms, crl, ocsp, x509
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus

from verify.model import CertificateInfo, RevocationEvidence, Signer, TimeStampInfo
from verify.validate import Embedded, Fetched

_CCCD = re.compile(r"\d{12}")


def mask_cccd(text: str) -> str:
    return _CCCD.sub(lambda m: m[0][:3] + "*" * 6 + m[0][-3:], text)


def _native(name: x509.Name) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in name.native.items():
        out[str(key)] = str(value[0] if isinstance(value, list) else value)
    return out


def display_name(name: x509.Name) -> str:
    """A one-line subject for people, with any CCCD masked."""
    return mask_cccd(name.human_friendly)


def signer_of(cert: x509.Certificate) -> Signer:
    fields = _native(cert.subject)
    cccd = None
    for key in ("serial_number", "user_id"):
        match = _CCCD.search(fields.get(key, ""))
        if match:
            cccd = mask_cccd(match[0])
            break
    return Signer(
        name=fields.get("common_name", display_name(cert.subject)),
        organisation=fields.get("organization_name"),
        title=fields.get("title"),
        cccd_masked=cccd,
    )


def chain_of(
    status: PdfSignatureStatus, roots: Iterable[x509.Certificate], at: datetime
) -> tuple[CertificateInfo, ...]:
    root_keys = {root.public_key.dump() for root in roots}
    path = status.validation_path
    if path is not None:
        certs = list(path.iter_certs(include_root=True))
        certs.reverse()  # leaf first
    else:
        certs = [status.signing_cert]
    out = []
    for cert in certs:
        validity = cert["tbs_certificate"]["validity"]
        not_before, not_after = validity["not_before"].native, validity["not_after"].native
        out.append(
            CertificateInfo(
                subject=display_name(cert.subject),
                issuer=display_name(cert.issuer),
                serial=format(cert.serial_number, "x"),
                not_before=not_before,
                not_after=not_after,
                valid_at_signing_time=not_before <= at <= not_after,
                is_trust_anchor=cert.public_key.dump() in root_keys,
                der=bytes(cert.dump()),
            )
        )
    return tuple(out)


def _ocsp_evidence(
    response: ocsp.OCSPResponse, cert: x509.Certificate, source: str, url: str | None
) -> RevocationEvidence | None:
    if response["response_status"].native != "successful":
        return None
    if response["response_bytes"]["response_type"].native != "basic_ocsp_response":
        return None  # RFC 6960 4.2.1: the only type there is; anything else says nothing
    data = response.basic_ocsp_response["tbs_response_data"]
    der = bytes(response.dump())
    for single in data["responses"]:
        if single["cert_id"]["serial_number"].native != cert.serial_number:
            continue
        status = single["cert_status"]
        revoked_at = reason = None
        if status.name == "revoked":
            revoked_at = status.chosen["revocation_time"].native
            reason = status.chosen["revocation_reason"].native
        return RevocationEvidence(
            kind="OCSP",
            source=source,
            status=str(status.name),
            produced_at=data["produced_at"].native,
            revoked_at=revoked_at,
            reason=str(reason) if reason else None,
            url=url,
            sha256=hashlib.sha256(der).digest(),
            der=der,
        )
    return None


def _crl_evidence(
    certificate_list: crl.CertificateList, cert: x509.Certificate, source: str
) -> RevocationEvidence | None:
    if certificate_list.issuer.dump() != cert.issuer.dump():
        return None
    tbs = certificate_list["tbs_cert_list"]
    digest = hashlib.sha256(certificate_list.dump()).digest()
    for entry in tbs["revoked_certificates"]:
        if entry["user_certificate"].native == cert.serial_number:
            return RevocationEvidence(
                kind="CRL",
                source=source,
                status="revoked",
                produced_at=tbs["this_update"].native,
                revoked_at=entry["revocation_date"].native,
                reason=str(entry.crl_reason_value.native) if entry.crl_reason_value else None,
                sha256=digest,
            )
    return RevocationEvidence(
        kind="CRL", source=source, status="good", produced_at=tbs["this_update"].native,
        sha256=digest,
    )  # fmt: skip


def revocation_evidence(
    cert: x509.Certificate, embedded: Embedded, fetched: Fetched
) -> tuple[RevocationEvidence, ...]:
    found: list[RevocationEvidence | None] = []
    found += [_ocsp_evidence(r, cert, "embedded", None) for r in embedded.ocsps]
    found += [_crl_evidence(c, cert, "embedded") for c in embedded.crls]
    if fetched.ocsp is not None:
        for resp in fetched.ocsp.fetched_responses_for_cert(cert):
            found.append(_ocsp_evidence(resp, cert, "online", fetched.ocsp.urls.get(id(resp))))
    if fetched.crl is not None:
        found += [_crl_evidence(c, cert, "online") for c in fetched.crl.fetched_crls()]
    return tuple(item for item in found if item is not None)


def _token_sha256(emb: EmbeddedPdfSignature) -> bytes:
    """The signature time-stamp token's digest (the first, as pyHanko validates the first)."""
    unsigned = emb.signer_info["unsigned_attrs"]
    for attribute in unsigned if isinstance(unsigned, cms.CMSAttributes) else ():
        if attribute["type"].native == "signature_time_stamp_token":
            return hashlib.sha256(attribute["values"][0].dump()).digest()
    return b""


def signature_timestamp(
    status: PdfSignatureStatus, emb: EmbeddedPdfSignature
) -> TimeStampInfo | None:
    ts = status.timestamp_validity
    if ts is None:
        return None
    return TimeStampInfo(
        kind="signature",
        time=ts.timestamp,
        tsa=display_name(ts.signing_cert.subject),
        valid=bool(ts.intact and ts.valid and ts.trusted),
        sha256=_token_sha256(emb),
    )


def document_timestamp_sha256(emb: EmbeddedPdfSignature) -> bytes:
    """A document time-stamp's token digest: its ContentInfo (the /Contents without padding)."""
    token = cms.ContentInfo({"content_type": "signed_data", "content": emb.signed_data})
    return hashlib.sha256(token.dump()).digest()


def pades_level(
    subfilter: str | None,
    has_timestamp: bool,
    evidence: tuple[RevocationEvidence, ...],
    has_later_doc_timestamp: bool,
) -> str:
    if subfilter != "/ETSI.CAdES.detached":
        return "PKCS7" if subfilter else "unknown"
    if not has_timestamp:
        return "B-B"
    if not any(item.source == "embedded" for item in evidence):
        return "B-T"
    return "B-LTA" if has_later_doc_timestamp else "B-LT"
