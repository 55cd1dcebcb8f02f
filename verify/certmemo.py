"""Certificates of a batch parsed once (part of ``verify.batchcache.BatchCache``).

The documents of a batch carry the same chain in each CMS object; asn1crypto parses each
copy lazily, and pyHanko's signer matching (issuer and serial), its ESS signing-certificate
check, kyso's report details and path building each walk into a fresh copy again for every
document. ``CertificateMemo`` hands out, for a certificate's exact DER encoding, the one
``x509.Certificate`` the batch met first: the same bytes are the same value, and asn1crypto
caches on the object only what it derived from those bytes (parsed children, ``native``
values, issuer/serial, key identifiers). Nothing about a *document* is remembered: its
signature, digest, revocation and path are checked on each document as before (a changed
document or a revoked certificate in the same batch gives its own verdict:
tests/verify/test_certmemo.py). At most ``max_entries`` encodings are kept (least recently
used first out); one that does not parse to the end is never kept.

pyHanko has no hook for it: ``install()`` replaces ``generic_cms.extract_certificate_info``
(what ``extract_certs_for_validation`` calls for the signer certificate and the others, for
``EmbeddedPdfSignature.signer_cert`` and again in ``cms_basic_validation``) once per
process; the replacement uses the memo of the verification running in the current context
(``active``, set by ``verify.engine``) and is pyHanko's own function when there is none.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from asn1crypto import cms, x509
from pyhanko.sign import general
from pyhanko.sign.validation import generic_cms

from verify.boundary import well_formed

DEFAULT_MAX_CERTIFICATES = 1024
PYHANKO_EXTRACT = general.extract_certificate_info


class CertificateMemo:
    """One parsed ``x509.Certificate`` per DER encoding (bounded, LRU)."""

    def __init__(self, max_entries: int = DEFAULT_MAX_CERTIFICATES) -> None:
        self.max_entries = max_entries
        self._kept: OrderedDict[bytes, x509.Certificate] = OrderedDict()
        #: certificates answered by an earlier copy (the tests and the bench read it)
        self.hits = 0

    def __len__(self) -> int:
        return len(self._kept)

    def same(self, cert: x509.Certificate) -> x509.Certificate:
        """The batch's copy of ``cert`` (``cert`` itself the first time)."""
        der = cert.dump()
        kept = self._kept.get(der)
        if kept is not None:
            self._kept.move_to_end(der)
            self.hits += 1
            return kept
        if self.max_entries > 0 and well_formed(cert):  # a broken one is never shared
            self._kept[der] = cert
            while len(self._kept) > self.max_entries:
                self._kept.popitem(last=False)
        return cert


_ACTIVE: ContextVar[CertificateMemo | None] = ContextVar("kyso_certificate_memo", default=None)


@contextmanager
def active(memo: CertificateMemo | None) -> Iterator[None]:
    """``memo`` serves the certificate extractions made in this context meanwhile."""
    token = _ACTIVE.set(memo)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def extract_certificate_info(signed_data: cms.SignedData) -> general.SignedDataCerts:
    """pyHanko's ``extract_certificate_info``, each certificate the batch's copy."""
    memo = _ACTIVE.get()
    if memo is None:
        return PYHANKO_EXTRACT(signed_data)
    certs: list[x509.Certificate] = []
    attr_certs: list[cms.AttributeCertificateV2] = []
    for choice in signed_data["certificates"]:  # as pyHanko's function reads them
        cert = choice.chosen.untag()
        if choice.name == "certificate":
            certs.append(memo.same(cert))
        elif choice.name == "v2_attr_cert":
            attr_certs.append(cert)
    signer_info = general.extract_signer_info(signed_data)
    signer_cert, other_certs = general._partition_certs(certs, signer_info)  # type: ignore[no-untyped-call]
    return general.SignedDataCerts(
        signer_cert=signer_cert, other_certs=other_certs, attribute_certs=attr_certs
    )


def install() -> None:
    """Once per process; idempotent."""
    setattr(generic_cms, "extract_certificate_info", extract_certificate_info)  # noqa: B010


def uninstall() -> None:
    setattr(generic_cms, "extract_certificate_info", PYHANKO_EXTRACT)  # noqa: B010
