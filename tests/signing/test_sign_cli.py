"""``kyso sign`` end to end: a real data dir, PKI, key store and files on disk."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from api.cli.app import app
from tests.signing.checks import statuses
from tests.signing.conftest import make_pdf


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KYSO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KYSO_PUBLIC_URL", "http://127.0.0.1:9")
    return tmp_path


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_cli_signs_at_b_lt_then_extends_to_b_lta_in_place(data_dir) -> None:
    assert _invoke("pki", "init").exit_code == 0
    issued = _invoke("pki", "issue", "official", "--name", "Võ Minh Đức", "--title", "Chủ tịch",
                     "--agency", "UBND xã Tân Phú")  # fmt: skip
    serial = issued.output.strip().splitlines()[-1]
    source = data_dir / "don.pdf"
    source.write_bytes(make_pdf(2))
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    out = data_dir / "ketqua.pdf"
    done = _invoke(
        *("sign", str(source), "-o", str(out), "--signer", serial, "--level", "B-LT"),
        *("--certify", "--reason", "Phê duyệt", "--page", "1", "--box", "300,60,570,150"),
        *("--reserve", "KyCongDan@2:30,60,290,150"),
    )
    assert done.exit_code == 0, done.output
    assert "B-LT" in done.output
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    citizen = _invoke("pki", "issue", "citizen", "--name", "Lý Thu Hà", "--cccd", "001300000222")
    citizen_serial = citizen.output.strip().splitlines()[-1]
    second = _invoke(
        *("sign", str(out), "-o", str(out), "--signer", citizen_serial, "--field", "KyCongDan"),
    )
    assert second.exit_code == 0, second.output
    signed = out.read_bytes()
    extended = _invoke("sign", "--extend", str(out), "--to", "B-LTA")
    assert extended.exit_code == 0, extended.output
    after = out.read_bytes()
    assert after.startswith(signed) and len(after) > len(signed)
    from api.settings import Settings
    from api.wiring import build_services

    roots = build_services(Settings()).pki.trust_anchors()
    found = statuses(after, roots)
    assert len(found) == 2 and all(s.bottom_line for s in found)


def test_cli_refuses_a_non_pdf_with_exit_status_4(data_dir) -> None:
    from api.cli.main import main

    _invoke("pki", "init")
    issued = _invoke("pki", "issue", "citizen", "--name", "Lý Thu Hà", "--cccd", "001300000111")
    serial = issued.output.strip().splitlines()[-1]
    bogus = data_dir / "note.txt"
    bogus.write_text("không phải PDF")
    import sys

    argv = sys.argv
    sys.argv = ["kyso", "sign", str(bogus), "-o", str(data_dir / "x.pdf"), "--signer", serial]
    try:
        with pytest.raises(SystemExit) as caught:
            main()
    finally:
        sys.argv = argv
    assert caught.value.code == 4
    assert not (data_dir / "x.pdf").exists()
