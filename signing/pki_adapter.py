"""Signing material from kyso's own PKI (``certs.pki``): keys, trust, time-stamps, revocation.

Signing reaches the PKI in-process: the CRL and OCSP URLs written in kyso's certificates are
answered by calling the PKI directly, so B-LT needs no running web server. URLs of other PKIs
go to the fallback fetcher (HTTP).
"""

from __future__ import annotations

from asn1crypto import x509

from certs.errors import PkiError
from certs.keys import SignatureScheme
from certs.pki import Pki
from certs.records import CertificateRecord
from certs.sources import PkiUrlSource, UrlSource
from certs.tsa import TimeStampAuthority, tsa_from_pki
from signing.errors import SigningBackendError, SigningInputError, SigningNotFoundError
from signing.revinfo import TrustMaterial
from signing.signer import SigningKey


def usable_chain(pki: Pki, serial: str) -> tuple[CertificateRecord, list[x509.Certificate]]:
    """A signer's record and chain; refused when it is not a signing certificate, revoked,
    or outside its validity."""
    try:
        record = pki.get(serial)
        chain = pki.chain(record.serial)
    except PkiError as exc:
        raise SigningNotFoundError("signer_unknown", exc.message) from exc
    check_usable(pki, record, serial)
    return record, chain


def usable_record(pki: Pki, serial: str) -> CertificateRecord:
    """A signer's record, refused as ``usable_chain`` refuses it (one query: how a cached
    signer's certificate is checked again before each use)."""
    try:
        record = pki.get(serial)
    except PkiError as exc:
        raise SigningNotFoundError("signer_unknown", exc.message) from exc
    check_usable(pki, record, serial)
    return record


def check_usable(pki: Pki, record: CertificateRecord, serial: str) -> None:
    """Refused unless ``record`` (certificate ``serial`` as the caller named it) may sign now."""
    if record.profile not in ("citizen", "official", "seal"):
        raise SigningInputError("signer_not_a_signer", f"certificate {serial} cannot sign PDFs")
    if record.status != "good":
        raise SigningInputError("signer_revoked", f"certificate {serial} is revoked")
    now = pki.clock.now()
    if not record.not_before <= now <= record.not_after:
        raise SigningInputError("signer_expired", f"certificate {serial} is not valid now")


def signing_key(pki: Pki, serial: str, *, pss: bool = False) -> SigningKey:
    """The signing key of certificate ``serial``: it must be usable and held by kyso."""
    record, chain = usable_chain(pki, serial)
    if record.key_label is None:
        raise SigningInputError(
            "signer_key_not_held",
            f"kyso does not hold the key of {serial}: use external signing (prepare/finish)",
        )
    scheme = SignatureScheme.for_key(pki.keystore.algorithm(record.key_label), pss=pss)
    return SigningKey(chain[0], tuple(chain[1:]), record.key_label, scheme)


def trust_from_pki(pki: Pki, fallback: UrlSource | None = None) -> TrustMaterial:
    intermediates = tuple(
        pki.authority_certificate(row.name) for row in pki.authorities() if row.parent
    )
    return TrustMaterial(
        roots=tuple(pki.trust_anchors()),
        intermediates=intermediates,
        fetcher=PkiUrlSource(pki, fallback),
    )


def tsa(pki: Pki) -> TimeStampAuthority:
    try:
        return tsa_from_pki(pki)
    except PkiError as exc:
        raise SigningBackendError("tsa_unavailable", exc.message) from exc
