"""Results from templates over the API: list, preview (no number), issue (numbered, sealed,
signed in the signer block, archived, verifiable), the register, and refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pikepdf
import pytest
from apitools import Kyso, citizen_credential
from sqlalchemy.orm import sessionmaker
from test_dossiers import _official_ready, _submit
from typer.testing import CliRunner

from api.cli.app import app
from api.dossiers import SqlDossiers
from common.subprocess_run import run
from tests.onestop.desk_fakes import a_dossier

FIELDS = {"place": "Hà Nội", "signer_title": "Phó Chủ tịch", "signer_authority": "KT. Chủ tịch"}
CITIZEN_NAME = "Người dùng citizen"  # apitools' name of citizen1
PAGE_HEIGHT = 841.89  # A4 in points


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return run(["pdftotext", "-layout", str(path), "-"], timeout=30).stdout.decode()


def _dossier(kyso: Kyso, code: str) -> str:
    """A submitted dossier of citizen1 at the official's agency, straight into the table."""
    SqlDossiers(sessionmaker(kyso.services.engine, expire_on_commit=False)).add(a_dossier(code))
    return code


def _issue(kyso: Kyso, code: str, template: str = "decision", **fields: str) -> dict[str, object]:
    response = kyso.client.post(
        f"/api/v1/dossiers/{code}/result/from-template",
        json={"template": template, "fields": {**FIELDS, **fields}},
        headers=kyso.headers("official"),
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_templates_are_listed_with_their_fields(kyso: Kyso) -> None:
    listed = kyso.client.get("/api/v1/templates", headers=kyso.headers("official")).json()
    assert {t["name"]: t["doc_type"] for t in listed} == {
        "decision": "QĐ",
        "certificate": "GCN",
        "confirmation": "GXN",
        "letter": "CV",
    }
    decision = next(t for t in listed if t["name"] == "decision")
    assert {"place", "articles", "signer_title"} <= {f["name"] for f in decision["fields"]}
    assert kyso.client.get("/api/v1/templates", headers=kyso.headers("citizen")).status_code == 403


def test_a_submitted_dossier_gets_a_numbered_decision_that_verifies_with_the_stamp_in_the_block(
    kyso: Kyso, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    status, receipt = _submit(kyso, credential, totp.now())
    assert status == 201, receipt
    code = str(receipt["code"])

    preview = kyso.client.post(
        f"/api/v1/dossiers/{code}/result/preview",
        json={"template": "decision", "fields": FIELDS},
        headers=kyso.headers("official"),
    )
    assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
    draft = _text(preview.content, tmp_path)
    assert "/QĐ-UBND" in draft and "01/QĐ-UBND" not in draft and "CHƯA CẤP SỐ" in draft

    issued = _issue(kyso, code)
    assert (issued["status"], issued["notation"], issued["number"]) == ("returned", "01/QĐ-UBND", 1)
    result = kyso.client.get(f"/api/v1/dossiers/{code}/result.pdf", headers=kyso.headers("citizen"))
    text = _text(result.content, tmp_path)
    assert "Số: 01/QĐ-UBND" in text and CITIZEN_NAME in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "001203004567" not in text

    path = tmp_path / "result.pdf"
    path.write_bytes(result.content)
    monkeypatch.setenv("KYSO_DATA_DIR", str(kyso.services.settings.data_dir))
    verified = CliRunner().invoke(app, ["verify", str(path), "--json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["indication"] == "TOTAL_PASSED"

    # the official's stamp sits between the signer's title and name, its box as rendered
    x1, y1, x2, y2 = _stamp_rect(path)
    assert (x2 - x1, y2 - y1) == (pytest.approx(360), pytest.approx(130))
    words = _word_boxes(path)
    title_bottom = max(bottom for w, bottom, _top in words if w == "CHỦ")  # PHÓ CHỦ TỊCH
    name_top = min(top for w, _bottom, top in words if w == "official")  # Người dùng official
    assert PAGE_HEIGHT - title_bottom >= y2 - 1  # the title above the stamp
    assert PAGE_HEIGHT - name_top <= y1 + 1  # the name below it


def _stamp_rect(path: Path) -> tuple[float, float, float, float]:
    """The official's signature widget on the last page."""
    with pikepdf.open(path) as pdf:
        for annot in pdf.pages[-1].get("/Annots", []):
            field = annot if "/T" in annot else annot.get("/Parent", pikepdf.Dictionary())
            if str(field.get("/T", "")) == "ChuKyCanBo":
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                return x1, y1, x2, y2
    raise AssertionError("no ChuKyCanBo widget on the last page")


def _word_boxes(path: Path) -> list[tuple[str, float, float]]:
    """Each word of the last page with its bottom and top (pdftotext -bbox, y down)."""
    html = run(["pdftotext", "-bbox", str(path), "-"], timeout=30).stdout.decode()
    pages = html.split("<page ")
    found = []
    for match in re.finditer(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
        pages[-1],
    ):
        found.append((match.group(3), float(match.group(2)), float(match.group(1))))
    return found
