"""Printed results checked for real: issued by ``issue_result``, printed, forged, scanned or
photographed, read by the isolated reader (zxing-cpp, kyso's OCR), compared with the archived
original. A few pages per kind; bench/verify_print.py measures the rates on the whole corpus."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from print_corpus import FORGERIES, Issued, degrade, forge, issue, printed, ready_official
from print_documents import KINDS, make_document

from api.printcheck.service import PrintCheck, check_print
from api.settings import Settings
from api.wiring import Services, build_services
from archive.metadata import VersionRecord
from verify.engine import verify_pdf
from verify.model import Indication, ValidationReport
from verify.printed.model import PrintVerdict

pytestmark = pytest.mark.slow
KYSO = str(Path(sys.executable).parent / "kyso")
SEED = 301


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Services, dict[str, Issued]]]:
    data = tmp_path_factory.mktemp("printed") / "data"
    services = build_services(Settings(data_dir=data, public_url="http://127.0.0.1:9"))
    services.ensure_pki()
    ready_official(services)
    issued = {kind: asyncio.run(issue(services, make_document(kind, SEED))) for kind in KINDS}
    yield services, issued
    services.close()


def _scan(
    issued: Issued, kind: str, folder: Path, forgery: str | None, seed: int
) -> tuple[Path, str, str]:
    """The paper as a file, and the forged word (before, after) when ``forgery`` is given."""
    paper = printed(issued.pdf)
    before = after = ""
    if forgery is not None:
        field = next(f for f in issued.document.fields if f.kind == forgery)
        paper, forged = forge(paper, issued.pdf, field, seed)
        before, after = forged.before, forged.after
    data, suffix = degrade(paper, kind, seed)
    path = folder / f"{issued.document.kind}-{kind}-{forgery or 'clean'}{suffix}"
    path.write_bytes(data)
    return path, before, after


def _check(services: Services, scan: Path) -> PrintCheck:
    def verify(pdf: bytes, _version: VersionRecord) -> ValidationReport:
        return verify_pdf(pdf, services.verify_options())

    return check_print(services, scan, verify, jobs=1)


@pytest.mark.parametrize(
    ("document", "degradation"),
    [("decision", "scan300"), ("certificate", "photo"), ("letter", "scan200")],
)
def test_a_clean_print_is_not_called_changed(
    archive: tuple[Services, dict[str, Issued]], tmp_path: Path, document: str, degradation: str
) -> None:
    services, issued = archive
    scan, _, _ = _scan(issued[document], degradation, tmp_path, None, SEED)
    check = _check(services, scan)
    assert check.code == issued[document].code  # found by the QR code alone
    assert check.report.indication is Indication.TOTAL_PASSED
    assert check.comparison.verdict is not PrintVerdict.CHANGED, check.comparison.changes
    if degradation == "scan300":
        assert check.comparison.verdict is PrintVerdict.MATCHES, check.comparison.doubts
    assert len(check.pictures) == 1 and check.pictures[0][:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("document", "degradation", "forgery"),
    [
        ("decision", "photo", "number"),
        ("certificate", "scan300", "amount"),
        ("letter", "scan200", "date"),
        pytest.param(
            "decision",
            "scan300",
            "name",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss of the letter rules (judge.py rule 3), not of page matching: "
                "on the template layout this forgery is 'Mai,' -> 'Đạt,', read at 93; the "
                "keys' i -> t costs two forgiven thin-letter indels, so it counts as one "
                "letter changed, which needs confidence 95: a doubt, answered inconclusive",
            ),
        ),
    ],
)
def test_a_changed_number_amount_date_or_name_is_found(
    archive: tuple[Services, dict[str, Issued]],
    tmp_path: Path,
    document: str,
    degradation: str,
    forgery: str,
) -> None:
    assert forgery in FORGERIES
    services, issued = archive
    scan, before, after = _scan(issued[document], degradation, tmp_path, forgery, SEED + 1)
    check = _check(services, scan)
    assert check.report.indication is Indication.TOTAL_PASSED  # the original is fine: the paper
    assert check.comparison.verdict is PrintVerdict.CHANGED, check.comparison.doubts
    assert not check.comparison.pages[0].other_document
    found = [c for c in check.comparison.changes if c.original == before]
    assert found, (before, after, check.comparison.changes)
    assert found[0].printed == after and found[0].page == 1
    x0, y0, x1, y1 = found[0].region
    assert 0 <= x0 < x1 and 0 <= y0 < y1


def test_a_print_of_another_result_of_the_agency_is_another_document(
    archive: tuple[Services, dict[str, Issued]], tmp_path: Path
) -> None:
    """The certificate's paper checked against the decision's code: the same agency, motto,
    "Nơi nhận:" and signer titles line up; the decision's own words are not there."""
    services, issued = archive
    scan, _, _ = _scan(issued["certificate"], "scan300", tmp_path, None, SEED + 4)

    def verify(pdf: bytes, _version: VersionRecord) -> ValidationReport:
        return verify_pdf(pdf, services.verify_options())

    check = check_print(services, scan, verify, code=issued["decision"].code, jobs=1)
    assert check.qr_mismatch  # the paper's own QR code names the certificate
    [page] = check.comparison.pages
    assert page.other_document and not page.aligned and not page.changes
    assert check.comparison.verdict is PrintVerdict.INCONCLUSIVE


def test_the_cli_answers_changed_with_exit_1_and_matches_with_exit_0(
    archive: tuple[Services, dict[str, Issued]], tmp_path: Path
) -> None:
    services, issued = archive
    letter = issued["letter"]
    env = {**os.environ, "KYSO_DATA_DIR": str(services.settings.data_dir),
           "KYSO_PUBLIC_URL": services.settings.public_url}  # fmt: skip
    forged, before, after = _scan(letter, "scan300", tmp_path, "number", SEED + 2)
    html = tmp_path / "answer.html"
    done = subprocess.run(
        [KYSO, "verify-print", str(forged), "--json", "--html", str(html),
         "--pictures", str(tmp_path / "pictures")],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    answer = json.loads(done.stdout)
    assert answer["verdict"] == "changed" and answer["original"]["code"] == letter.code
    assert answer["original"]["indication"] == "TOTAL_PASSED"
    changes = answer["pages"][0]["changes"]
    assert [(c["original"], c["printed"]) for c in changes] == [(before, after)]
    assert "BẢN IN ĐÃ BỊ SỬA ĐỔI" in html.read_text(encoding="utf-8")
    assert (tmp_path / "pictures" / "page-01.jpg").read_bytes()[:2] == b"\xff\xd8"

    clean, _, _ = _scan(letter, "scan300", tmp_path, None, SEED + 3)
    done = subprocess.run([KYSO, "verify-print", str(clean), "--lang", "en"], env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "THE PAPER MATCHES THE ORIGINAL" in done.stdout


def test_a_scan_without_a_qr_code_is_refused_before_any_ocr(
    archive: tuple[Services, dict[str, Issued]], tmp_path: Path
) -> None:
    from PIL import Image

    services, _issued = archive
    blank = tmp_path / "blank.png"
    Image.new("L", (1240, 1754), 255).save(blank)
    env = {**os.environ, "KYSO_DATA_DIR": str(services.settings.data_dir)}
    done = subprocess.run([KYSO, "verify-print", str(blank)], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 4
    assert "lỗi / error [print_qr_not_found]" in done.stderr
    unknown = subprocess.run([KYSO, "verify-print", str(blank), "--code", "HS0000000000"],
                             env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert unknown.returncode == 4 and "[print_code_unknown]" in unknown.stderr
