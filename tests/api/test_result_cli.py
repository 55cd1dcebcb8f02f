"""``kyso result``: templates, render (a preview), issue (numbered, signed, verifiable) and the
register, on a data dir that kyso's API set up (accounts, PKI, a submitted dossier)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from apitools import Kyso
from test_dossiers import _official_ready
from test_result_templates import CITIZEN_NAME, _dossier, _text
from typer.testing import CliRunner

from api.cli.app import app
from common.clock import VN_TZ
from onestop.errors import TemplateInputError

runner = CliRunner()
YEAR = str(datetime.now(VN_TZ).year)  # the register of the year the result is issued in
FIELDS = [
    "-f",
    "place=Hà Nội",
    "-f",
    "signer_title=Chủ tịch",
    "-f",
    "signer_authority=TM. Ủy ban nhân dân",
]


def test_an_official_previews_then_issues_a_certificate_from_the_command_line(
    kyso: Kyso, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _official_ready(kyso)
    code = _dossier(kyso, "HSCLI0000001")
    monkeypatch.setenv("KYSO_DATA_DIR", str(kyso.services.settings.data_dir))
    listed = runner.invoke(app, ["result", "templates"])
    assert listed.exit_code == 0 and "certificate (GCN)" in listed.stdout

    preview = tmp_path / "preview.pdf"
    base = ["--dossier", code, "--template", "certificate", "--official", "official1"]
    done = runner.invoke(app, ["result", "render", *base, *FIELDS, "-o", str(preview)])
    assert done.exit_code == 0, done.output
    assert "CHƯA CẤP SỐ" in _text(preview.read_bytes(), tmp_path)
    unknown = runner.invoke(app, ["result", "render", *base, "-f", "cccd=1", "-o", str(preview)])
    assert isinstance(unknown.exception, TemplateInputError)

    body = tmp_path / "body.txt"
    body.write_text("Đã hoàn thành nghĩa vụ đóng lệ phí.\nCó giá trị 06 tháng.", encoding="utf-8")
    signed = tmp_path / "signed.pdf"
    args = [*base, *FIELDS, "--field-file", f"body={body}", "-o", str(signed)]
    done = runner.invoke(app, ["result", "issue", *args])
    assert done.exit_code == 0, done.output
    assert f"{code}: 01/GCN-UBND issued" in done.stdout
    text = _text(signed.read_bytes(), tmp_path)
    assert "Số: 01/GCN-UBND" in text and CITIZEN_NAME in text and "Có giá trị 06 tháng." in text

    verified = runner.invoke(app, ["verify", str(signed), "--json"])
    assert verified.exit_code == 0 and json.loads(verified.stdout)["indication"] == "TOTAL_PASSED"
    register = runner.invoke(
        app,
        [
            "result",
            "register",
            "--agency",
            "UBND Quận Hoàn Kiếm",
            "--type",
            "GCN",
            "--year",
            "2026",
        ],
    )
    assert register.exit_code == 0 and register.stdout.split()[:3] == ["01", "issued", code]

    again = runner.invoke(app, ["result", "issue", *args])  # returned already: refused, no number
    assert (
        again.exit_code != 0 and getattr(again.exception, "code", "") == "dossier_already_returned"
    )
