"""Inputs the verification fuzzer (fuzz/verify_pdf.py) found crashing, made again here.

Each once escaped ``verify_pdf`` as a raw exception (a 500 from the API); hostile input must
give a report whose findings say what is wrong, and never a passing verdict.
"""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from asn1crypto import cms, crl, ocsp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tests.verify.corpus import flip_signed_byte
from tests.verify.pdftraps import hand_made_pdf
from verify import Indication, ValidationReport, verify_pdf
from verify.objects import Role, roles_of

if TYPE_CHECKING:
    from tests.verify.conftest import Kit

_CONTENTS = re.compile(rb"/Contents\s*<([0-9A-Fa-f]+)>")


def _codes(report: ValidationReport) -> set[str]:
    return {f.code for f in report.all_findings()}


def test_catalog_that_is_not_a_dictionary_is_unreadable(kit: Kit) -> None:
    # pyHanko asserted the catalog's type: AssertionError
    report = verify_pdf(hand_made_pdf([b"42", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
                        kit.options(online=False))  # fmt: skip
    assert report.indication is Indication.TOTAL_FAILED
    assert _codes(report) == {"pdf_unreadable"}


def test_number_that_is_not_a_number_is_unreadable(kit: Kit) -> None:
    # pyHanko read "1..2" with Decimal: decimal.InvalidOperation
    pdf = hand_made_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R /Odd 1..2 >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    )
    report = verify_pdf(pdf, kit.options(online=False))
    assert report.indication is Indication.TOTAL_FAILED
    assert _codes(report) == {"pdf_unreadable"}


_PAGE_TREE_QPDF_CANNOT_FLATTEN = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R 4 0 R] >>",  # no /Count, and a kid that is no page
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    b"42",
]


def test_page_tree_qpdf_cannot_flatten_still_gets_a_report(kit: Kit) -> None:
    # the active-content scan caught pikepdf.PdfError, not qpdf's QpdfRuntimeError
    report = verify_pdf(hand_made_pdf(_PAGE_TREE_QPDF_CANNOT_FLATTEN), kit.options())
    assert report.document.readable
    assert report.indication is Indication.INDETERMINATE
    assert _codes(report) == {"no_signatures"}


def _with_page_tree_qpdf_cannot_flatten(pdf: bytes) -> bytes:
    """A later revision drops the page count and adds a kid that is no page."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    pages = writer.root["/Pages"]
    del pages["/Count"]
    pages["/Kids"].append(writer.add_object(generic.NumberObject(42)))
    writer.update_container(pages)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_later_revision_qpdf_cannot_read_is_a_change_after_signing(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    # the change analysis caught pikepdf.PdfError, not qpdf's QpdfRuntimeError
    report = verify_pdf(_with_page_tree_qpdf_cannot_flatten(corpus["clean_b_b"]), kit.options())
    (signature,) = report.signatures
    assert signature.indication is not Indication.TOTAL_PASSED
    assert "incremental_content_change" in {f.code for f in signature.findings}


def test_signature_field_whose_value_is_a_number_is_a_malformed_signature(kit: Kit) -> None:
    # kyso called .get on the field's /V: AttributeError
    pdf = hand_made_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
            b"<< /FT /Sig /T (Signature1) /V 5 0 R /Type /Annot /Subtype /Widget"
            b" /Rect [0 0 0 0] /P 3 0 R >>",
            b"42",
        ]
    )
    report = verify_pdf(pdf, kit.options(online=False))
    assert report.indication is Indication.TOTAL_FAILED
    (signature,) = report.signatures
    assert {f.code for f in signature.findings} == {"signature_value_malformed"}


def test_dss_whose_certificate_is_not_a_stream_is_unreadable(kit: Kit) -> None:
    # pyHanko called .read_data on a dictionary: AttributeError
    pdf = hand_made_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /DSS << /Certs [4 0 R] >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Length 0 >>",
        ]
    )
    report = verify_pdf(pdf, kit.options(online=False))
    assert report.indication is Indication.TOTAL_FAILED
    assert _codes(report) == {"pdf_unreadable"}


def _with_broken_ocsp_in_dss(pdf: bytes) -> bytes:
    """A later DSS revision whose first OCSP response parses at the top and breaks inside
    (the issuer key hash of a CertId claims more bytes than the CertId holds)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    dss = writer.root["/DSS"]
    data = bytearray(dss["/OCSPs"][0].data)
    response = ocsp.OCSPResponse.load(bytes(data))
    cert_id = response.basic_ocsp_response["tbs_response_data"]["responses"][0]["cert_id"]
    key_hash = cert_id["issuer_key_hash"].native
    start = data.index(cert_id.dump())
    data[data.index(bytes([0x04, len(key_hash)]) + key_hash, start) + 1] = 0x7F
    dss["/OCSPs"][0] = writer.add_object(generic.StreamObject(stream_data=bytes(data)))
    writer.update_container(dss)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_unreadable_ocsp_response_in_the_dss_is_left_out(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    # asn1crypto parses lazily: the broken CertId raised ValueError while the report was written
    clean = verify_pdf(corpus["clean_b_lta"], kit.options())
    report = verify_pdf(_with_broken_ocsp_in_dss(corpus["clean_b_lta"]), kit.options())
    (signature,) = report.signatures
    assert signature.indication is clean.signatures[0].indication
    assert "signature_unreadable" not in {f.code for f in signature.findings}
    assert len(signature.revocation) >= 1  # what the document still proves is shown


def _with_broken_crl_in_dss(pdf: bytes, crl_der: bytes) -> bytes:
    """A later revision adds a DSS holding the issuer's CRL with an impossible update time."""
    data = bytearray(crl_der)
    this_update = crl.CertificateList.load(crl_der)["tbs_cert_list"]["this_update"].dump()
    day = data.index(this_update) + 2 + 4  # 17 0d YYMMDDhhmmssZ
    data[day : day + 2] = b"63"
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    stream = writer.add_object(generic.StreamObject(stream_data=bytes(data)))
    writer.root["/DSS"] = generic.DictionaryObject(
        {generic.NameObject("/CRLs"): generic.ArrayObject([stream])}
    )
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_unreadable_crl_in_the_dss_gets_a_report_not_an_exception(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    # unlike certificates and OCSP responses, CRLs are not parsed ahead (for speed): one that
    # does not parse makes its signature unreadable, wherever it breaks
    broken = _with_broken_crl_in_dss(corpus["clean_b_b"], kit.revocation.crl("citizen"))
    report = verify_pdf(broken, kit.options(online=False))
    (signature,) = report.signatures
    assert signature.indication is not Indication.TOTAL_PASSED
    assert "signature_unreadable" in {f.code for f in signature.findings}


def _with_bad_date_in_intermediate(pdf: bytes) -> bytes:
    """The CA certificate inside the CMS claims to be valid from the 63rd day of a month.

    Certificates are outside what is signed, so only the path and the report see it."""
    match = list(_CONTENTS.finditer(pdf))[-1]
    raw = bytearray(bytes.fromhex(match.group(1).decode()))
    info = cms.ContentInfo.load(bytes(raw).rstrip(b"\x00") + b"\x00\x00")
    (ca,) = (
        c.chosen
        for c in info["content"]["certificates"]
        if c.chosen.ca and c.chosen.subject != c.chosen.issuer
    )
    at = raw.index(ca.dump())
    not_before = ca["tbs_certificate"]["validity"]["not_before"].dump()  # 17 0d YYMMDDhhmmssZ
    day = raw.index(not_before, at) + 2 + 4
    raw[day : day + 2] = b"63"
    new_hex = raw.hex().encode()
    return pdf[: match.start(1)] + new_hex + pdf[match.end(1) :]


def test_altered_signature_whose_ca_certificate_has_an_impossible_date_fails(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    # the signed bytes changed, so validation stopped early; the report then read the dates
    # of the path's certificates: ValueError("day is out of range for month")
    altered = _with_bad_date_in_intermediate(flip_signed_byte(corpus["clean_b_b"]))
    report = verify_pdf(altered, kit.options(online=False))
    (signature,) = report.signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert "signature_unreadable" in {f.code for f in signature.findings}


def test_signer_key_of_an_unknown_type_is_a_finding_not_an_exception(kit: Kit) -> None:
    # the fuzzer's input (a mutated key algorithm OID, 1.2.836.10045.2.1): pyHanko let
    # cryptography's UnsupportedAlgorithm escape
    data = (Path(__file__).parent / "data" / "fuzz-unknown-key-type.pdf").read_bytes()
    report = verify_pdf(data, kit.options(online=False))
    assert report.indication is not Indication.TOTAL_PASSED


def _one_page(catalog: bytes, page: bytes, *more: bytes) -> bytes:
    """A hand-made PDF of one page (object 3) whose catalog and page dictionaries end with
    ``catalog`` and ``page``; ``more`` are objects 4, 5 ..."""
    return hand_made_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page + b" >>",
            *more,
        ]
    )


def _roles(data: bytes) -> dict[tuple[int, int], Role]:
    with pikepdf.open(BytesIO(data)) as pdf:
        return roles_of(pdf)


def test_a_resource_name_that_is_not_utf8_is_walked_not_a_crash() -> None:
    # the fuzzer's input: a resource key /F#FF (byte 0xFF) came back from pikepdf as a str
    # that pikepdf's own get() refused (TypeError) while the change analysis mapped objects
    data = _one_page(
        b"",
        b"/Resources 4 0 R",
        b"<< /Font << /F#FF 5 0 R >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )
    assert _roles(data)[(5, 0)].kind == "resource"


def test_names_that_are_not_utf8_are_read_as_escapes_not_a_crash() -> None:
    # the fuzzer's input: a form field whose /FT name had a byte 0xC0 (str() of the name raised
    # UnicodeDecodeError in the change analysis); dictionary keys of that kind are compared too
    from verify.changes import _dict_keys_changed

    data = _one_page(
        b"/AcroForm << /Fields [4 0 R] >>",
        b"/Annots [4 0 R]",
        b"<< /FT /S#C0g /T (a) /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R /K#C0 1 >>",
    )
    with pikepdf.open(BytesIO(data)) as pdf:
        roles = roles_of(pdf)
        field = pdf.get_object((4, 0))
        assert _dict_keys_changed(field, pdf.Root) >= {"/K\udcc0", "/FT"}
    assert (4, 0) in roles


def test_numbers_where_the_form_and_its_arrays_belong_are_walked_past() -> None:
    # the fuzzer's input: /AcroForm 5 (a number) made mark() ask an int for is_indirect;
    # arrays (/Annots, /Fields, /Kids) replaced by numbers or names are skipped the same way
    for catalog, page in (
        (b"/AcroForm 5", b"/Annots 7"),
        (b"/AcroForm << /Fields 3 /DR 9 >>", b"/Annots /X"),
        (b"/AcroForm << /Fields [<< /T /N#C0 /Kids 4 >>] >>", b"/Contents 1 /Resources (r)"),
    ):
        assert _roles(_one_page(catalog, page))[(3, 0)].kind == "page"


def test_a_certificate_asn1crypto_cannot_make_native_is_unreadable_not_a_crash(kit: Kit) -> None:
    # the fuzzer's input: a mutated certificate in the signature; asn1crypto's lazy parse raised
    # AttributeError ('InstanceOf' object has no attribute 'native') when kyso probed it
    data = (Path(__file__).parent / "data" / "fuzz-certificate-instanceof.pdf").read_bytes()
    report = verify_pdf(data, kit.options(online=False))
    assert report.indication is not Indication.TOTAL_PASSED


def test_an_ocsp_response_of_another_type_in_the_dss_is_no_evidence(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    # the fuzzer's input: a DSS OCSP response whose responseType OID was changed (id-pkix-ocsp-
    # basic .1 -> .2): asn1crypto left it unparsed and the report's evidence asked it for
    # tbs_response_data (KeyError)
    basic = bytes.fromhex("06092b0601050507300101")
    writer = IncrementalPdfFileWriter(BytesIO(corpus["clean_b_lta"]))
    dss = writer.root["/DSS"]
    data = bytes(dss["/OCSPs"][0].data)
    assert basic in data
    other = data.replace(basic, basic[:-1] + b"\x02", 1)
    dss["/OCSPs"][0] = writer.add_object(generic.StreamObject(stream_data=other))
    writer.update_container(dss)
    out = BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), kit.options(online=False))
    (signature,) = report.signatures
    assert all(e.der != other for e in signature.revocation if e.kind == "OCSP")


def _with_hidden_flag(signed: bytes, idnum: int) -> bytes:
    """A later revision that rewrites the indirect number ``idnum`` (an annotation's /F) to 2:
    the annotation, which says what the document shows, is hidden after signing."""
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.objects[(0, idnum)] = generic.NumberObject(2)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_indirect_flag_rewritten_after_signing_is_a_change(kit: Kit) -> None:
    # the fuzzer found that pikepdf gives indirect numbers as Python ints (kyso's object snapshot
    # asked one for is_indirect); they are now compared like every object: a changed /F hides
    # an annotation, so it is a change after signing, also for kyso's own analysis
    from pyhanko.pdf_utils.reader import PdfFileReader

    from tests.verify.corpus import sign
    from verify.changes import object_delta

    original = hand_made_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [5 0 R] >>",
            b"0",
            b"<< /Type /Annot /Subtype /FreeText /Rect [50 700 300 750] /F 4 0 R"
            b" /Contents (So tien: 1.000.000 dong) /DA (/Helv 12 Tf 0 g) >>",
        ]
    )
    signed = sign(kit, original, kit.citizen.serial)
    changed = _with_hidden_flag(signed, 4)
    report = verify_pdf(changed, kit.options(online=False))
    assert report.indication is not Indication.TOTAL_PASSED
    [emb] = PdfFileReader(BytesIO(changed)).embedded_signatures
    delta = object_delta(changed[: len(signed)], changed, emb)
    assert any(p.code == "incremental_content_change" for p in delta.problems)
