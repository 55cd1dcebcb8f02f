"""Signing material from kyso's own PKI (``certs.pki``): keys, trust, time-stamps, revocation.

Signing reaches the PKI in-process: the CRL and OCSP URLs written in kyso's certificates are
answered by calling the PKI directly, so B-LT needs no running web server. URLs of other PKIs
go to the fallback fetcher (HTTP).
"""

from __future__ import annotations

import re

from asn1crypto import x509

from certs.errors import PkiError
from certs.keys import SignatureScheme
from certs.ocsp import OcspResponder
from certs.pki import Pki
from certs.records import CertificateRecord
from certs.revocation import Revocation
from certs.tsa import TimeStampAuthority, tsa_from_pki
from signing.errors import SigningBackendError, SigningInputError, SigningNotFoundError
from signing.revinfo import TrustMaterial, UrlFetcher
from signing.signer import SigningKey

_CRL_PATH = re.compile(r"/pki/crl/(?P<ca>[A-Za-z0-9_-]+)\.crl$")
_OCSP_PATH = re.compile(r"/pki/ocsp/?$")


class PkiUrlFetcher:
    """Answers kyso's own CRL and OCSP URLs in-process; others go to ``fallback``."""

    def __init__(self, pki: Pki, fallback: UrlFetcher | None = None) -> None:
        self.base = pki.options.public_url.rstrip("/")
        self.revocation = Revocation(pki)
        self.responder = OcspResponder(pki, self.revocation)
        self.fallback = fallback

    def _own(self, url: str) -> str | None:
        return url[len(self.base) :] if url.startswith(self.base + "/") else None

    def get(self, url: str) -> bytes:
        path = self._own(url)
        match = _CRL_PATH.search(path) if path is not None else None
        if match is not None:
            try:
                return self.revocation.crl(match["ca"])
            except PkiError as exc:
                raise SigningBackendError("revocation_unavailable", exc.message) from exc
        if self.fallback is None:
            raise SigningBackendError("revocation_unreachable", f"no fetcher for {url}")
        return self.fallback.get(url)

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        path = self._own(url)
        if path is not None and _OCSP_PATH.search(path):
            return self.responder.respond(body)
        if self.fallback is None:
            raise SigningBackendError("revocation_unreachable", f"no fetcher for {url}")
        return self.fallback.post(url, body, content_type)


def usable_chain(pki: Pki, serial: str) -> tuple[CertificateRecord, list[x509.Certificate]]:
    """A signer's record and chain; refused when it is not a signing certificate, revoked,
    or outside its validity."""
    try:
        record = pki.get(serial)
        chain = pki.chain(record.serial)
    except PkiError as exc:
        raise SigningNotFoundError("signer_unknown", exc.message) from exc
    if record.profile not in ("citizen", "official", "seal"):
        raise SigningInputError("signer_not_a_signer", f"certificate {serial} cannot sign PDFs")
    if record.status != "good":
        raise SigningInputError("signer_revoked", f"certificate {serial} is revoked")
    now = pki.clock.now()
    if not record.not_before <= now <= record.not_after:
        raise SigningInputError("signer_expired", f"certificate {serial} is not valid now")
    return record, chain


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


def trust_from_pki(pki: Pki, fallback: UrlFetcher | None = None) -> TrustMaterial:
    intermediates = tuple(
        pki.authority_certificate(row.name) for row in pki.authorities() if row.parent
    )
    return TrustMaterial(
        roots=tuple(pki.trust_anchors()),
        intermediates=intermediates,
        fetcher=PkiUrlFetcher(pki, fallback),
    )


def tsa(pki: Pki) -> TimeStampAuthority:
    try:
        return tsa_from_pki(pki)
    except PkiError as exc:
        raise SigningBackendError("tsa_unavailable", exc.message) from exc
