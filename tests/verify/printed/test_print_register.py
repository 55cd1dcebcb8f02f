"""Two results of one template and agency, issued from the template (numbered by the agency's
register, signed, filed), printed and scanned for real (pdftoppm at 300 dpi, the corpus's
flatbed scan, kyso's OCR): the paper of one checked with the other's code is "another
document" naming it, not "changed"; a copy with the other's number painted on stays "changed".
One OCR'd page per test."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from print_corpus import Issued, degrade, issue_from_template, paint, printed, ready_official

from api.printcheck.service import PrintCheck, check_print
from api.settings import Settings
from api.wiring import Services, build_services
from archive.metadata import VersionRecord
from verify.engine import verify_pdf
from verify.model import ValidationReport
from verify.printed.model import PrintComparison, PrintVerdict
from verify.printed.other import shows_other
from verify.printed.tokens import key

pytestmark = pytest.mark.slow
KYSO = str(Path(sys.executable).parent / "kyso")
SEEDS = (7, 8)  # two decisions: the same sentences, other names, numbers, dates, amounts


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, Issued, Issued]]:
    data = tmp_path_factory.mktemp("register") / "data"
    services = build_services(Settings(data_dir=data, public_url="http://127.0.0.1:9"))
    services.ensure_pki()
    ready_official(services)
    a, b = (asyncio.run(issue_from_template(services, "decision", seed)) for seed in SEEDS)
    yield services, a, b
    services.close()


def _number(result: Issued) -> str:
    return next(f.text for f in result.document.fields if f.kind == "number")


def _scan(path: Path, paper: Image.Image, seed: int) -> Path:
    data, suffix = degrade(paper, "scan300", seed)
    out = path.with_suffix(suffix)
    out.write_bytes(data)
    return out


def _check(services: Services, scan: Path, code: str | None = None) -> PrintCheck:
    def verify(pdf: bytes, _version: VersionRecord) -> ValidationReport:
        return verify_pdf(pdf, services.verify_options())

    return check_print(services, scan, verify, code=code, jobs=1)


def test_the_two_results_are_numbered_in_one_register(
    issued: tuple[Services, Issued, Issued],
) -> None:
    _services, a, b = issued
    assert (_number(a), _number(b)) == ("01/QĐ-UBND", "02/QĐ-UBND")


def test_the_paper_of_another_result_is_another_document_naming_it(
    issued: tuple[Services, Issued, Issued], tmp_path: Path
) -> None:
    services, a, b = issued
    scan = _scan(tmp_path / "b-clean", printed(b.pdf), 11)
    html = tmp_path / "answer.html"
    env = {**os.environ, "KYSO_DATA_DIR": str(services.settings.data_dir),
           "KYSO_PUBLIC_URL": services.settings.public_url}  # fmt: skip
    done = subprocess.run(
        [KYSO, "verify-print", str(scan), "--code", a.code, "--json", "--html", str(html)],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr  # not A's copy, not a forgery
    answer = json.loads(done.stdout)
    assert answer["verdict"] == "another_document", answer["pages"]
    assert answer["original"]["code"] == a.code and answer["qr_mismatch"]
    other = answer["other_result"]
    assert other["code"] == b.code and other["number"] == _number(b)
    assert key(other["printed_number"]) == key(_number(b))  # as read: "QĐ" may read "QD"
    assert other["verdict"] != "changed" and other["distinctive"][0] >= 0.9
    [page] = answer["pages"]
    assert page["other_document"] and not page["changes"] and not page["aligned"]
    shown = html.read_text(encoding="utf-8")
    assert "ĐÂY LÀ BẢN IN CỦA MỘT VĂN BẢN KHÁC" in shown and b.code in shown


def test_a_copy_with_the_other_results_number_painted_on_is_still_changed(
    issued: tuple[Services, Issued, Issued], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, a, b = issued
    weighed: list[tuple[float, float, bool]] = []

    def recorded(against: PrintComparison, other: PrintComparison) -> bool:
        answer = shows_other(against, other)
        weighed.append((against.pages[0].distinctive, other.pages[0].distinctive, answer))
        return answer

    monkeypatch.setattr("api.printcheck.other.shows_other", recorded)
    forged = paint(printed(a.pdf), a.pdf, _number(a), _number(b))
    check = _check(services, _scan(tmp_path / "a-forged", forged, 12))
    assert check.code == a.code  # by the paper's QR code
    # the painted number was read and named B in the register; the paper was weighed against
    # B's original, and it holds A's words far better
    [(ours, theirs, answer)] = weighed
    assert not answer and ours > 0.9 and theirs < 0.8, weighed
    assert check.other is None
    assert check.comparison.verdict is PrintVerdict.CHANGED, check.comparison.doubts
    listed = [(c.original, c.printed) for c in check.comparison.changes]
    assert (_number(a), _number(b)) in listed, listed


def test_a_clean_copy_of_a_registered_result_matches(
    issued: tuple[Services, Issued, Issued], tmp_path: Path
) -> None:
    services, a, _b = issued
    check = _check(services, _scan(tmp_path / "a-clean", printed(a.pdf), 13), code=a.code)
    assert check.comparison.verdict is PrintVerdict.MATCHES, (
        check.comparison.changes,
        check.comparison.doubts,
    )
    assert check.other is None and not check.qr_mismatch
