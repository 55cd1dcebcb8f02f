"""A corpus signed by other producers (endesive, poppler's pdfsig, PDFBox), with each
document's expected indication: intact documents in the shapes real systems emit, and
documents that must not pass.

Built once per test session in the pytest temporary folder (nothing generated is checked
in); the certificates come from the session's test PKI, so OCSP, CRLs and the TSA are real.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

import pikepdf
from cryptography.hazmat.primitives import serialization

from certs.records import serial_hex
from tests.verify.conftest import Kit
from tests.verify.corpus import flip_signed_byte, original
from tests.verify.foreign import (
    endesive_sign,
    endesive_timestamp,
    with_non_der_signed_attrs,
)
from tests.verify.foreign_keys import ForeignSigner, foreign_signer, self_signed_signer
from tests.verify.producers import Producers, append_update, hybrid_reference_pdf
from verify import Indication, SubIndication

PASSED = (Indication.TOTAL_PASSED, None)
WEAK = (Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE)
CHANGED = (Indication.INDETERMINATE, SubIndication.SIG_CONSTRAINTS_FAILURE)
HASH = (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)
CRYPTO = (Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE)
FORMAT = (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE)
UNTRUSTED = (Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)
REVOKED = (Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE)

Verdict = tuple[Indication, SubIndication | None]


@dataclass(frozen=True)
class Document:
    name: str
    producer: str
    #: intact (may be INDETERMINATE, never TOTAL_FAILED) or must not pass
    intact: bool
    expected: Verdict
    pdf: bytes
    #: verify from the document alone (DSS), no OCSP or CRL fetched
    offline: bool = False


@dataclass
class _Kit:
    kit: Kit
    tools: Producers
    rsa: ForeignSigner
    p384: ForeignSigner
    p256: ForeignSigner
    weak: ForeignSigner
    revoked: ForeignSigner

    @property
    def tsa(self) -> str:
        return self.kit.url + "/pki/tsa"


def _with_fields(base: bytes, names: dict[str, str]) -> bytes:
    """``base`` (a form) with its fields renamed: dotted partial names, Vietnamese names."""
    with pikepdf.open(BytesIO(base)) as pdf:
        for item in pdf.Root.AcroForm.Fields:
            if str(item.T) in names:
                item.T = names[str(item.T)]
        out = BytesIO()
        pdf.save(out)
    return out.getvalue()


def content_replaced(pdf: bytes) -> bytes:
    """A hand-written incremental update that replaces page 1's content (the amount)."""
    with pikepdf.open(BytesIO(pdf)) as doc:
        ref = doc.pages[0].obj.Contents.objgen
        size, root = int(doc.trailer.Size), doc.Root.objgen
    body = b"BT /F1 14 Tf 72 700 Td (So tien: 9.000.000 dong) Tj ET"
    stream = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body)
    return append_update(pdf, {ref: stream}, size, root)


def dangling_dss(pdf: bytes) -> bytes:
    """An LTV update whose DSS VRI entry refers to an object that no revision defines."""
    with pikepdf.open(BytesIO(pdf)) as doc:
        root = doc.Root.objgen
        catalog = bytes(doc.Root.unparse(resolved=True))
        size = int(doc.trailer.Size)
    dss = b"<< /Type /DSS /VRI << /AB12 << /TU (D:20260101) /TS %d 0 R >> >> >>" % (size + 40)
    catalog = catalog[: catalog.rindex(b">>")] + b" /DSS %d 0 R >>" % size
    return append_update(pdf, {root: catalog, (size, 0): dss}, size + 1, root)


def _der(certificate: object) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)  # type: ignore[attr-defined]


def _endesive(k: _Kit) -> list[Document]:
    rsa, tsa = k.rsa, k.tsa
    form = original(form="empty")
    dotted = _with_fields(form, {"so_tien": "zadost.castka"})
    unicode_form = _with_fields(form, {"so_tien": "Số tiền (đồng)"})
    lta = endesive_sign(original(), rsa, "Signature1", tsa=tsa, ltv=True)
    lta = endesive_timestamp(endesive_timestamp(lta, "TS1", tsa), "TS2", tsa)
    two = endesive_sign(endesive_sign(original(), rsa, "Signature1"), rsa, "Signature2")
    qpdf = k.tools.qpdf
    return [
        Document("endesive-b-t", "endesive", True, PASSED,
                 endesive_sign(original(), rsa, "Signature1", tsa=tsa)),
        Document("endesive-object-streams", "endesive+qpdf", True, PASSED,
                 endesive_sign(qpdf(original(), "--object-streams=generate"), rsa, "S1")),
        Document("endesive-linearised", "endesive+qpdf", True, PASSED,
                 endesive_sign(qpdf(original(), "--linearize"), rsa, "S1")),
        Document("endesive-hybrid-reference", "endesive", True, PASSED,
                 endesive_sign(hybrid_reference_pdf(), rsa, "S1")),
        Document("endesive-rsa-pss", "endesive", True, PASSED,
                 endesive_sign(original(), rsa, "S1", pss=True)),
        Document("endesive-two-signatures", "endesive", True, PASSED, two),
        Document("endesive-dotted-names", "endesive", True, PASSED,
                 endesive_sign(endesive_sign(dotted, rsa, "podpis.zadatel"), rsa,
                               "podpis.urednik")),
        Document("endesive-unicode-names", "endesive", True, PASSED,
                 endesive_sign(endesive_sign(unicode_form, rsa, "Chữ ký người nộp"), rsa,
                               "Chữ ký cán bộ")),
        Document("endesive-lta-two-doc-timestamps", "endesive", True, PASSED, lta),
        Document("endesive-lta-dangling-dss", "endesive", True, PASSED,
                 endesive_timestamp(dangling_dss(endesive_timestamp(
                     endesive_sign(original(), rsa, "Signature1", tsa=tsa), "TS1", tsa)),
                     "TS2", tsa)),
        Document("endesive-certified-then-signed", "endesive", True, PASSED,
                 endesive_sign(endesive_sign(original(), rsa, "S1", sigandcertify=True), rsa,
                               "S2")),
        Document("endesive-rsa1024-two-saves", "endesive", True, WEAK,
                 endesive_sign(endesive_sign(original(), k.weak, "S1"), k.weak, "S2")),
        Document("endesive-sha1", "endesive", True, WEAK,
                 endesive_sign(original(), rsa, "S1", digest="sha1")),
        Document("endesive-revoked-signer", "endesive", True, REVOKED,
                 endesive_sign(original(), k.revoked, "S1")),
        # must not pass
        Document("endesive-tampered-byte", "endesive", False, HASH,
                 flip_signed_byte(endesive_sign(original(), rsa, "S1"))),
        Document("endesive-content-appended", "endesive", False, CHANGED,
                 content_replaced(endesive_sign(original(), rsa, "S1"))),
        Document("endesive-dotted-content-appended", "endesive", False, CHANGED,
                 content_replaced(endesive_sign(dotted, rsa, "podpis.zadatel"))),
        Document("endesive-wrong-key", "endesive", False, CRYPTO,
                 endesive_sign(original(), ForeignSigner("x", k.p384.key, rsa.cert, rsa.chain),
                               "S1")),
        Document("endesive-ecdsa-names-rsa", "endesive", False, CRYPTO,
                 endesive_sign(original(), k.p256, "S1")),
        Document("endesive-non-der-order-rsa", "endesive+surgery", False, CRYPTO,
                 with_non_der_signed_attrs(endesive_sign(original(), rsa, "S1"), rsa, "order",
                                           resign=True)),
        Document("endesive-non-der-length-ecdsa", "endesive+surgery", False, CRYPTO,
                 with_non_der_signed_attrs(endesive_sign(original(), k.p256, "S1"), k.p256,
                                           "length", resign=True)),
    ]  # fmt: skip


def _pdfsig(k: _Kit) -> list[Document]:
    sign = k.tools.pdfsig_sign
    first = sign(original(), k.rsa, "Chữ ký 1")
    return [
        Document("pdfsig-rsa", "pdfsig", True, PASSED, first),
        Document("pdfsig-two-signatures", "pdfsig", True, PASSED, sign(first, k.rsa, "Ky.2")),
        Document("pdfsig-object-streams", "pdfsig+qpdf", True, PASSED,
                 sign(k.tools.qpdf(original(), "--object-streams=generate"), k.rsa, "S1")),
        Document("pdfsig-linearised", "pdfsig+qpdf", True, PASSED,
                 sign(k.tools.qpdf(original(), "--linearize"), k.rsa, "S1")),
        Document("pdfsig-rsa1024", "pdfsig", True, WEAK, sign(original(), k.weak, "S1")),
        Document("pdfsig-content-appended", "pdfsig", False, CHANGED, content_replaced(first)),
        Document("pdfsig-tampered-byte", "pdfsig", False, HASH, flip_signed_byte(first)),
    ]  # fmt: skip


def _pdfbox(k: _Kit) -> list[Document]:
    tools, tsa = k.tools, k.tsa
    b_t = tools.pdfbox_sign(original(), k.rsa, "SHA256withRSA", tsa=tsa)
    # the DSS: the signer's chain and the TSA's certificate, the CAs' CRLs (PAdES B-LT)
    certs = [*map(_der, (k.rsa.cert, *k.rsa.chain))]
    certs += [record.cert_der for record in k.kit.pki.certificates("tsa")]
    crls = [k.kit.revocation.crl("officials"), k.kit.revocation.crl("root")]
    b_lt = tools.pdfbox_dss(b_t, certs, crls)
    mixed = tools.pdfbox_sign(tools.pdfsig_sign(original(), k.rsa, "Chữ ký 1"), k.p384,
                              "SHA384withECDSA")  # fmt: skip
    mixed = endesive_timestamp(endesive_sign(mixed, k.rsa, "Chữ ký 3"), "TS", tsa)
    # poppler 22.12 signing a document whose only signature is invisible (PDFBox's) puts its
    # widget in the page's /Annots but not in the form's /Fields: a signature that is no
    # form field (not reported) and a page change pyHanko cannot explain
    orphan = endesive_sign(tools.pdfsig_sign(b_t, k.rsa, "Chữ ký 2"), k.rsa, "Chữ ký 3")
    return [
        Document("pdfbox-ecdsa-p384", "pdfbox", True, PASSED,
                 tools.pdfbox_sign(original(), k.p384, "SHA384withECDSA")),
        Document("pdfbox-rsa-pss", "pdfbox", True, PASSED,
                 tools.pdfbox_sign(original(), k.rsa, "SHA256withRSAandMGF1",
                                   subfilter="adbe.pkcs7.detached")),
        Document("pdfbox-b-t-doc-timestamp", "pdfbox", True, PASSED,
                 tools.pdfbox_timestamp(b_t, tsa)),
        Document("pdfbox-dss-vri-offline", "pdfbox", True, PASSED,
                 tools.pdfbox_timestamp(b_lt, tsa), offline=True),
        Document("pdfbox-hybrid-reference", "pdfbox", True, PASSED,
                 tools.pdfbox_sign(hybrid_reference_pdf(), k.p384, "SHA384withECDSA")),
        Document("pdfbox-object-streams", "pdfbox+qpdf", True, PASSED,
                 tools.pdfbox_sign(tools.qpdf(original(), "--object-streams=generate"),
                                   k.rsa, "SHA256withRSA")),
        Document("pdfbox-linearised", "pdfbox+qpdf", True, PASSED,
                 tools.pdfbox_sign(tools.qpdf(original(), "--linearize"), k.rsa,
                                   "SHA256withRSA")),
        Document("mixed-pdfsig-pdfbox-endesive-timestamp", "pdfsig+pdfbox+endesive", True,
                 PASSED, mixed),
        Document("mixed-pdfsig-widget-outside-the-form", "pdfbox+pdfsig+endesive", True,
                 CHANGED, orphan),
        Document("pdfbox-sha1", "pdfbox", True, WEAK,
                 tools.pdfbox_sign(original(), k.rsa, "SHA1withRSA")),
        Document("pdfbox-self-signed", "pdfbox", True, UNTRUSTED,
                 tools.pdfbox_sign(original(), self_signed_signer("self", "rsa2048"),
                                   "SHA256withRSA")),
        # must not pass
        Document("pdfbox-tampered-byte", "pdfbox", False, HASH, flip_signed_byte(b_t)),
        Document("pdfbox-rewritten-by-qpdf", "pdfbox+qpdf", False, FORMAT,
                 tools.qpdf(b_t, "--object-streams=generate")),
        Document("pdfbox-content-appended", "pdfbox", False, CHANGED, content_replaced(b_t)),
    ]  # fmt: skip


def build_foreign_corpus(kit: Kit, tools: Producers) -> list[Document]:
    revoked = foreign_signer(kit, "revoked", "rsa2048")
    kit.revocation.revoke(serial_hex(revoked.cert.serial_number), "key_compromise")
    k = _Kit(
        kit, tools, rsa=foreign_signer(kit, "rsa2048", "rsa2048"),
        p384=foreign_signer(kit, "p384", "p384"), p256=foreign_signer(kit, "p256", "p256"),
        weak=foreign_signer(kit, "rsa1024", "rsa1024"), revoked=revoked,
    )  # fmt: skip
    builders: list[Callable[[_Kit], list[Document]]] = [_endesive, _pdfsig, _pdfbox]
    return [doc for build in builders for doc in build(k)]
