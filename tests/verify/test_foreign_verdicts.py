"""Verdicts on documents other producers made: no TOTAL_FAILED from an exception, and
signed attributes that are not DER fail (issue 18).

The documents are signed by endesive (not kyso, not pyHanko) with certificates of the test
PKI; the shapes are those three intact documents of European validators' test sets had.
"""

from __future__ import annotations

import asyncio
from io import BytesIO

import pikepdf
import pytest
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tests.verify.conftest import Kit
from tests.verify.corpus import original
from tests.verify.foreign import (
    endesive_sign,
    endesive_timestamp,
    with_der_signed_attrs_signed_again,
    with_non_der_signed_attrs,
)
from tests.verify.foreign_corpus import content_replaced, dangling_dss
from tests.verify.foreign_keys import ForeignSigner, foreign_signer
from tests.verify.producers import append_update
from verify import Indication, SubIndication, ValidationReport, verify_pdf
from verify.der import NotDer, check_der

TSA_PATH = "/pki/tsa"


@pytest.fixture(scope="module")
def rsa(kit: Kit) -> ForeignSigner:
    return foreign_signer(kit, "rsa2048", "rsa2048")


@pytest.fixture(scope="module")
def ecdsa(kit: Kit) -> ForeignSigner:
    return foreign_signer(kit, "p256", "p256")


def _codes(report: ValidationReport, index: int) -> set[str]:
    return {f.code for f in report.signatures[index].findings}


def _verdicts(report: ValidationReport) -> list[tuple[Indication, SubIndication | None]]:
    return [(s.indication, s.sub_indication) for s in report.signatures]


def _pyhanko_diff_error(pdf: bytes) -> BaseException | None:
    """What pyHanko's own difference analysis raises on the first signature, if anything."""
    sig = PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures[0]
    try:
        DEFAULT_DIFF_POLICY.review_file(sig.reader, sig.signed_revision, None, sig.docmdp_level)
    except (PdfReadError, KeyError) as exc:
        return exc
    return None


def _dotted_form(kit: Kit, signer: ForeignSigner) -> bytes:
    """A form whose field partial names contain periods (as Czech forms do), signed twice."""
    base = original(form="empty")
    with pikepdf.open(BytesIO(base)) as pdf:
        pdf.Root.AcroForm.Fields[0].T = "zadost.castka"
        out = BytesIO()
        pdf.save(out)
    first = endesive_sign(out.getvalue(), signer, "podpis.zadatel")
    return endesive_sign(first, signer, "podpis.urednik")


def test_dotted_field_names_are_judged_by_kyso_when_pyhanko_cannot(
    kit: Kit, rsa: ForeignSigner
) -> None:
    pdf = _dotted_form(kit, rsa)
    error = _pyhanko_diff_error(pdf)
    assert isinstance(error, PdfReadError) and "periods" in str(error)  # the shape is right
    report = verify_pdf(pdf, kit.options())
    assert _verdicts(report) == [(Indication.TOTAL_PASSED, None)] * 2
    assert {"changes_analysed_by_kyso", "later_signatures"} <= _codes(report, 0)


def test_dotted_field_names_do_not_hide_a_change_after_signing(
    kit: Kit, rsa: ForeignSigner
) -> None:
    pdf = content_replaced(_dotted_form(kit, rsa))
    report = verify_pdf(pdf, kit.options())
    assert report.indication is not Indication.TOTAL_PASSED
    assert {"changes_analysed_by_kyso", "incremental_content_change"} <= _codes(report, 0)
    assert "incremental_content_change" in _codes(report, 1)


def test_ltv_history_with_an_object_no_revision_has_is_judged_by_kyso(
    kit: Kit, rsa: ForeignSigner
) -> None:
    tsa = kit.url + TSA_PATH
    signed = endesive_sign(original(), rsa, "Signature1", tsa=tsa)
    stamped = endesive_timestamp(dangling_dss(endesive_timestamp(signed, "TS1", tsa)),
                                 "TS2", tsa)  # fmt: skip
    error = _pyhanko_diff_error(stamped)
    assert isinstance(error, KeyError)  # pyHanko's revision history: KeyError(Reference)
    report = verify_pdf(stamped, kit.options())
    assert _verdicts(report) == [(Indication.TOTAL_PASSED, None)]
    assert {"changes_analysed_by_kyso", "dss_updated"} <= _codes(report, 0)
    assert report.indication is Indication.TOTAL_PASSED


def test_two_weak_signatures_in_successive_saves_are_both_crypto_constraints(
    kit: Kit,
) -> None:
    weak = foreign_signer(kit, "rsa1024", "rsa1024")
    pdf = endesive_sign(endesive_sign(original(), weak, "Signature1"), weak, "Signature2")
    report = verify_pdf(pdf, kit.options())
    expected = (Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE)
    assert _verdicts(report) == [expected, expected]
    assert all("weak_key" in _codes(report, i) for i in (0, 1))


def test_neither_analysis_can_read_the_later_revision_is_indeterminate(
    kit: Kit, rsa: ForeignSigner
) -> None:
    pdf = _dotted_form(kit, rsa)
    # a later revision whose page tree has a kid that is no page: qpdf cannot flatten it
    with pikepdf.open(BytesIO(pdf)) as doc:
        pages = doc.Root.Pages.objgen
        kids = b" ".join(b"%d %d R" % k.objgen for k in doc.Root.Pages.Kids)
        size, root = int(doc.trailer.Size), doc.Root.objgen
    tree = b"<< /Type /Pages /Kids [%s %d 0 R] >>" % (kids, size)
    report = verify_pdf(append_update(pdf, {pages: tree, (size, 0): b"42"}, size + 1, root),
                        kit.options())  # fmt: skip
    first = report.signatures[0]
    assert first.indication is Indication.INDETERMINATE
    assert "changes_not_analysed" in {f.code for f in first.findings}


def test_an_exception_in_kysos_own_code_is_not_turned_into_a_finding(
    kit: Kit, rsa: ForeignSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = endesive_sign(endesive_sign(original(), rsa, "Signature1"), rsa, "Signature2")

    def broken(*args: object) -> None:
        raise AttributeError("a bug in kyso's change analysis")

    monkeypatch.setattr("verify.changes.object_delta", broken)
    with pytest.raises(AttributeError, match="a bug in kyso"):
        verify_pdf(pdf, kit.options())


# -- signed attributes must be DER ------------------------------------------------------------


def test_der_signed_attributes_signed_again_pass(kit: Kit, request: pytest.FixtureRequest) -> None:
    """The surgery below keeps everything else sound: only the encoding is wrong."""
    for key in ("rsa", "ecdsa"):
        signer: ForeignSigner = request.getfixturevalue(key)
        signed = endesive_sign(original(), signer, "Signature1")
        report = verify_pdf(with_der_signed_attrs_signed_again(signed, signer), kit.options())
        assert _verdicts(report) == [(Indication.TOTAL_PASSED, None)], key


def test_ecdsa_signature_that_names_rsa_fails_with_sig_crypto_failure(
    kit: Kit, ecdsa: ForeignSigner
) -> None:
    # endesive 3.0.1 writes rsassa_pkcs1v15 as the algorithm of its ECDSA signatures;
    # pyhanko-certvalidator asserted the key type (an AssertionError, once FORMAT_FAILURE)
    report = verify_pdf(endesive_sign(original(), ecdsa, "Signature1"), kit.options())
    assert _verdicts(report) == [(Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE)]
    assert "signature_algorithm_mismatch" in _codes(report, 0)


def test_der_checker_accepts_der_and_names_what_is_not() -> None:
    good = bytes.fromhex("a0 0a 30 03 02 01 01 30 03 02 01 02".replace(" ", ""))
    check_der(good, as_set_of=True)
    cases = {
        "a00a 3003020102 3003020101": "out of order",
        "a080 3003020101 0000": "indefinite",
        "a0810a 3003020101 3003020102": "shortest form",
        "a00b 300402020001 3003020102": "INTEGER",
        "a005 2403040101": "constructed form",
    }
    for encoded, reason in cases.items():
        with pytest.raises(NotDer, match=reason):
            check_der(bytes.fromhex(encoded.replace(" ", "")), as_set_of=True)


def _pyhanko_accepts_signature_value(pdf: bytes, kit: Kit) -> bool:
    sig = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures[0]
    context = ValidationContext(trust_roots=kit.pki.trust_anchors())
    status = asyncio.run(async_validate_pdf_signature(sig, context, skip_diff=True))
    return bool(status.intact and status.valid)


@pytest.mark.parametrize("key", ["rsa", "ecdsa"])
@pytest.mark.parametrize("how", ["order", "length"])
@pytest.mark.parametrize("resign", [True, False], ids=["signed-as-is", "signed-as-der"])
def test_signed_attributes_not_der_fail_with_sig_crypto_failure(
    kit: Kit, request: pytest.FixtureRequest, key: str, how: str, resign: bool
) -> None:
    signer: ForeignSigner = request.getfixturevalue(key)
    pdf = with_non_der_signed_attrs(endesive_sign(original(), signer, "Signature1"), signer,
                                    how, resign=resign)  # fmt: skip
    if resign and how == "order":
        # the signature value verifies over the bytes as they stand: pyHanko alone accepts it
        assert _pyhanko_accepts_signature_value(pdf, kit)
    report = verify_pdf(pdf, kit.options())
    assert _verdicts(report) == [(Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE)]
    assert "signed_attributes_not_der" in _codes(report, 0)
