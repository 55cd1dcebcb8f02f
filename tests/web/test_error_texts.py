"""Every Vietnamese error text belongs to a code kyso raises (a misspelt code would never show)."""

from __future__ import annotations

from pathlib import Path

from api.web.error_texts import VI, error_text
from common.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "archive", "certs", "common", "ocr", "onestop", "signing", "verify")


def test_each_vietnamese_text_is_of_a_code_raised_somewhere() -> None:
    own = ROOT / "api" / "web" / "error_texts.py"
    source = "\n".join(
        p.read_text() for package in PACKAGES for p in (ROOT / package).rglob("*.py") if p != own
    )
    assert [code for code in VI if f'"{code}"' not in source] == []


def test_a_code_without_a_text_keeps_its_message_and_english_pages_the_message() -> None:
    assert error_text(InputError("not_a_pdf", "the file is not a PDF"), "vi") == (
        "tệp không phải là PDF [not_a_pdf]"
    )
    assert error_text(InputError("not_a_pdf", "the file is not a PDF"), "en") == (
        "the file is not a PDF [not_a_pdf]"
    )
    assert error_text(InputError("x_new", "something new"), "vi") == "something new [x_new]"
