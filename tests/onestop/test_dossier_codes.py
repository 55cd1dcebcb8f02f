"""Dossier codes and the public landing URL (``onestop.codes``)."""

from __future__ import annotations

from common.ids import new_id
from onestop.codes import PublicUrls, is_dossier_code, landing_path, new_dossier_code
from verify.printed.qr import verify_target


def test_a_new_code_is_hs_and_ten_typable_characters_and_is_recognised() -> None:
    codes = {new_dossier_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert code.startswith("HS") and len(code) == 12 and code.isalnum() and code.isupper()
        assert is_dossier_code(code)


def test_archive_document_ids_are_not_dossier_codes() -> None:
    assert not is_dossier_code(new_id("d"))
    assert not is_dossier_code("d-unknown")
    assert not is_dossier_code("HS" + "X" * 40)  # wider than the code column


def test_the_landing_url_is_the_public_url_and_v_code_whatever_the_trailing_slash() -> None:
    assert (
        PublicUrls("https://dvc.example.vn/").landing("HSABC") == "https://dvc.example.vn/v/HSABC"
    )
    assert PublicUrls("https://dvc.example.vn").landing("HSABC") == "https://dvc.example.vn/v/HSABC"
    assert landing_path("HSABC") == "/v/HSABC"


def test_the_verifier_of_printed_copies_reads_the_code_back_from_the_landing_url() -> None:
    base = "https://dvc.example.vn"
    code = new_dossier_code()
    target = verify_target(PublicUrls(base).landing(code), base)
    assert target is not None and target.code == code and not target.foreign
    other = verify_target(PublicUrls("https://elsewhere.example").landing(code), base)
    assert other is not None and other.foreign
