"""``kyso pki`` as a user runs it (in-process through typer's runner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.app import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KYSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def kyso(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_issue_list_show_export_flow(env: Path) -> None:
    assert "PKI created" in kyso("pki", "init")
    assert "already initialised" in kyso("pki", "init")
    serial = kyso("pki", "issue", "citizen", "--name", "Nguyễn Thị Hoa", "--cccd", "001203004567")
    seal = kyso("pki", "issue", "seal", "--agency", "UBND Quận Hoàn Kiếm")
    listed = json.loads(kyso("pki", "list", "--json"))
    by_serial = {c["serial"]: c for c in listed}
    assert by_serial[serial]["profile"] == "citizen"
    assert "CN=Nguyễn Thị Hoa" in by_serial[serial]["subject"]
    assert by_serial[seal]["issuer"] == "officials"
    assert "UID=CCCD:001203004567" in kyso("pki", "show", serial)
    kyso("pki", "export", serial, "--out", "c.pem", "--chain")
    assert (env / "c.pem").read_text().count("BEGIN CERTIFICATE") == 3
    assert "revoked" in kyso("pki", "revoke", serial, "--reason", "superseded")
    assert (
        json.loads(kyso("pki", "list", "--json", "--profile", "citizen"))[0]["status"] == "revoked"
    )


def test_enrolment_through_the_cli(env: Path) -> None:
    request_id = kyso("pki", "enrol", "request", "--name", "Trần Văn Đức", "--cccd", "079090001234")
    assert "079******234" in kyso("pki", "enrol", "list")
    serial = kyso("pki", "enrol", "approve", request_id, "--officer", "cb-01")
    assert "Trần Văn Đức" in kyso("pki", "show", serial)


def test_bad_input_exits_4_with_a_code_and_no_traceback(env: Path) -> None:
    import sys

    from api.cli.main import main

    sys.argv = ["kyso", "pki", "issue", "citizen", "--name", "A", "--cccd", "123"]
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 4


def test_help_renders_vietnamese_everywhere() -> None:
    for args in (
        ["pki", "--help"],
        ["pki", "issue", "citizen", "--help"],
        ["pki", "enrol", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
    assert "Cấp chứng thư số công dân" in runner.invoke(app, ["pki", "issue", "--help"]).output
