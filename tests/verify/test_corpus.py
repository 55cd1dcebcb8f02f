"""Every attack class is caught and named; every clean document passes; pdfsig is never stricter."""

from __future__ import annotations

import pytest

from tests.signing.checks import pdfsig
from tests.verify.conftest import Kit
from verify import Indication, verify_pdf
from verify.model import ChangeKind

CLEAN = [
    "clean_b_b",
    "clean_b_lta",
    "clean_two_visible_stamps",
    "clean_certified_filled_then_signed",
    "clean_approval_then_form_filled",
    "clean_three_signatures_lt",
    "clean_certified_no_changes_lta",
]

#: attack document -> the finding that must name it
ATTACKS = {
    "attack_incremental_content": "incremental_content_change",
    "attack_incremental_page_added": "incremental_content_change",
    "attack_shadow_hide_layer": "shadow_hide",
    "attack_shadow_hide_form": "shadow_hide",
    "attack_shadow_replace_form": "shadow_replace",
    "attack_shadow_hide_and_replace": "shadow_hide_and_replace",
    "attack_overlay_annotation": "overlay_over_signed_content",
    "attack_form_field_overlay": "overlay_over_signed_content",
    "attack_signature_appearance": "incremental_content_change",
    "attack_docmdp_annotation": "docmdp_violation",
    "attack_fieldmdp_locked_field": "fieldmdp_violation",
    "attack_usf_empty": "signature_value_missing",
    "attack_usf_garbage": "signature_value_malformed",
    "attack_usf_signature_value": "signature_crypto_invalid",
    "attack_usf_no_certificate": "signing_certificate_missing",
    "attack_wrapping_gap": "signature_wrapping",
    "attack_wrapping_byte_range": "byte_range_invalid",
    "attack_hash": "hash_mismatch",
}


@pytest.mark.parametrize("name", CLEAN)
def test_clean_documents_are_total_passed(kit: Kit, corpus: dict[str, bytes], name: str) -> None:
    report = verify_pdf(corpus[name], kit.options())
    assert report.indication is Indication.TOTAL_PASSED, [
        (f.code, f.message_en) for f in report.all_findings()
    ]
    assert all(s.indication is Indication.TOTAL_PASSED for s in report.signatures)
    assert not [f for f in report.all_findings() if f.severity.value in ("FAIL", "WARN")]


@pytest.mark.parametrize(("name", "code"), sorted(ATTACKS.items()))
def test_each_attack_is_not_passed_and_named(
    kit: Kit, corpus: dict[str, bytes], name: str, code: str
) -> None:
    report = verify_pdf(corpus[name], kit.options())
    assert report.indication is not Indication.TOTAL_PASSED
    named = [f for f in report.all_findings() if f.code == code]
    assert named, [f.code for f in report.all_findings()]
    assert named[0].severity.value == "FAIL"
    assert named[0].message_vi and named[0].message_en


def test_shadow_hide_names_the_page_and_region(kit: Kit, corpus: dict[str, bytes]) -> None:
    report = verify_pdf(corpus["attack_shadow_hide_form"], kit.options())
    [finding] = [f for f in report.all_findings() if f.code == "shadow_hide"]
    [region] = finding.regions
    assert region.page == 1
    x1, y1, x2, y2 = region.box
    # the field's rectangle is x 72-372, y 600-630 (PDF points)
    assert 60 <= x1 < x2 <= 390 and 590 <= y1 < y2 <= 640


def test_form_filling_and_later_signatures_are_reported_as_such(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    report = verify_pdf(corpus["clean_certified_filled_then_signed"], kit.options())
    first, second = report.signatures
    assert first.certified and first.docmdp_permission == 2
    assert first.changes.kind is ChangeKind.FORM_FILLING
    assert {f.code for f in first.findings} >= {"form_filled", "later_signatures"}
    assert second.signer is not None and second.signer.cccd_masked == "001******567"


def test_lta_updates_count_as_dss_and_timestamps(kit: Kit, corpus: dict[str, bytes]) -> None:
    report = verify_pdf(corpus["clean_b_lta"], kit.options())
    [sig] = report.signatures
    assert sig.pades_level == "B-LTA"
    assert sig.changes.kind is ChangeKind.DSS_AND_TIMESTAMPS
    assert [t.kind for t in sig.timestamps] == ["signature", "document"]


@pytest.mark.parametrize("name", sorted([*CLEAN, *ATTACKS]))
def test_pdfsig_is_never_stricter_than_kyso(kit: Kit, corpus: dict[str, bytes], name: str) -> None:
    report = verify_pdf(corpus[name], kit.options())
    if report.indication is not Indication.TOTAL_PASSED:
        return  # kyso refused: pdfsig may say anything
    # pdfsig lists document time-stamps as signatures of type "unknown" and does not check them
    peers = [p for p in pdfsig(corpus[name], kit.root_pem) if p.get("Signature Type") != "unknown"]
    assert len(peers) == len(report.signatures)
    assert all(p["Signature Validation"] == "Signature is Valid." for p in peers), peers
    assert all(p["Certificate Validation"] == "Certificate is Trusted." for p in peers), peers


@pytest.mark.parametrize(
    "name", ["attack_shadow_hide_form", "attack_shadow_replace_form", "attack_form_field_overlay"]
)
def test_kyso_catches_shadow_attacks_that_pyhanko_alone_accepts(
    kit: Kit, corpus: dict[str, bytes], name: str
) -> None:
    import asyncio
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    assert verify_pdf(corpus[name], kit.options()).indication is not Indication.TOTAL_PASSED
    [sig] = PdfFileReader(BytesIO(corpus[name])).embedded_regular_signatures
    context = ValidationContext(trust_roots=kit.pki.trust_anchors(), allow_fetching=True)
    status = asyncio.run(async_validate_pdf_signature(sig, context))
    # the pinned pyHanko accepts these; if an upgrade starts refusing them, docs/verify.md's
    # comparison with pyHanko is out of date and this line says so
    assert status.bottom_line, "pyHanko now refuses this attack on its own"


def test_certified_no_changes_document_accepts_only_lta_updates(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    report = verify_pdf(corpus["clean_certified_no_changes_lta"], kit.options())
    [sig] = report.signatures
    assert sig.certified and sig.docmdp_permission == 1 and sig.pades_level == "B-LTA"
    assert sig.changes.kind is ChangeKind.DSS_AND_TIMESTAMPS
    assert report.indication is Indication.TOTAL_PASSED
