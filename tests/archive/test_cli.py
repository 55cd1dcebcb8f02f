"""``kyso archive`` end to end on the embedded defaults (SQLite + folder store)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from api.cli.app import app
from archive.catalog import tables as t
from tests.s3 import SeaweedFS
from tests.serving import KYSO


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KYSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KYSO_DATABASE_URL", raising=False)
    monkeypatch.setenv("KYSO_OBJECT_STORE", "folder")
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["archive", *args])
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_put_get_versions_search_round_trip(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "qd.pdf"
    source.write_bytes(b"%PDF-1.7 quyet dinh")
    doc_id = run(
        "put",
        str(source),
        "--dossier",
        "HS-2026-07",
        "--title",
        "Hồ sơ lưu trữ đất đai",
        "--number",
        "123/QĐ-UBND",
        "--retention",
        "10",
    ).strip()
    second = tmp_path / "ocr.pdf"
    second.write_bytes(b"%PDF-1.7 ocr")
    run("put", str(second), "--dossier", "HS-2026-07", "--document", doc_id, "--kind", "ocr")
    out = run("versions", doc_id)
    assert "v1" in out and "v2" in out and "ocr" in out
    run("get", doc_id, "--version", "1", "-o", str(tmp_path / "back.pdf"))
    assert (tmp_path / "back.pdf").read_bytes() == source.read_bytes()
    hits = json.loads(run("search", "ho so luu tru dat dai", "--json"))
    assert [h["document_id"] for h in hits] == [doc_id]
    # the same bytes again under another title: the same document, and the user is told so
    again = run("put", str(source), "--dossier", "HS-2026-07", "--title", "Tên khác")
    assert again.strip().splitlines()[-1] == doc_id
    assert "already archived" in again and "metadata unchanged" in again
    assert json.loads(run("search", "ten khac", "--json")) == []


def test_audit_finds_a_flipped_byte_and_log_verify_finds_an_edited_row(
    run,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"nguyen ban")
    run("put", str(source), "--dossier", "HS-A")
    assert "OK" in run("audit")
    stored = next(p for p in (tmp_path / "data" / "archive" / "objects").rglob("*") if p.is_file())
    stored.chmod(0o644)
    data = bytearray(stored.read_bytes())
    data[3] ^= 0x20
    stored.write_bytes(bytes(data))
    assert "CORRUPTED" in run("audit", code=1)
    assert "OK" in run("log", "verify")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'kyso.db'}")
    with engine.begin() as conn:
        conn.execute(sa.update(t.audit_log).where(t.audit_log.c.seq == 1).values(actor="x"))
    engine.dispose()
    assert "edited" in run("log", "verify", code=1)


def test_unknown_document_is_a_clean_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["archive", "get", "NOPE", "-o", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert not (tmp_path / "x").exists()


@pytest.mark.s3
def test_put_and_get_through_s3_settings(
    seaweedfs: SeaweedFS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KYSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KYSO_DATABASE_URL", raising=False)
    monkeypatch.setenv("KYSO_OBJECT_STORE", "s3")
    monkeypatch.setenv("KYSO_S3_ENDPOINT", seaweedfs.endpoint)
    monkeypatch.setenv("KYSO_S3_ACCESS_KEY", seaweedfs.access_key)
    monkeypatch.setenv("KYSO_S3_SECRET_KEY", seaweedfs.secret_key)
    monkeypatch.setenv("KYSO_S3_BUCKET", "kyso-cli-" + secrets.token_hex(4))
    source = tmp_path / "kq.pdf"
    source.write_bytes(b"%PDF ket qua")
    runner = CliRunner()
    put = runner.invoke(app, ["archive", "put", str(source), "--dossier", "HS-S3"])
    assert put.exit_code == 0, put.output
    doc_id = put.output.strip()
    got = runner.invoke(app, ["archive", "get", doc_id, "-o", str(tmp_path / "back.pdf")])
    assert got.exit_code == 0, got.output
    assert (tmp_path / "back.pdf").read_bytes() == source.read_bytes()


def test_an_empty_file_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    """A 0-byte file (a scan transfer that failed) would be locked as an original for its
    whole retention: the real command refuses it (exit 4, a stable code) before anything is
    stored."""
    env = {**os.environ, "KYSO_DATA_DIR": str(tmp_path / "data"), "KYSO_OBJECT_STORE": "folder"}
    env.pop("KYSO_DATABASE_URL", None)
    empty = tmp_path / "scan.pdf"
    empty.write_bytes(b"")
    put = subprocess.run(
        [KYSO, "archive", "put", str(empty), "--dossier", "HS-2026-08"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert put.returncode == 4, put.stderr
    assert "[archive_empty_file]" in put.stderr and "Traceback" not in put.stderr
    objects = tmp_path / "data" / "archive" / "objects"
    assert not objects.exists() or not any(path.is_file() for path in objects.rglob("*"))


def test_access_sets_a_dossier_and_its_documents_and_is_audited(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "cccd.pdf"
    source.write_bytes(b"%PDF-1.7 ban sao cccd")
    doc_id = run("put", str(source), "--dossier", "HS-OLD", "--title", "Bản sao CCCD").strip()
    assert json.loads(run("search", "ban sao", "--json", "--clearance", "public")) == []
    assert "HS-OLD: public (1 document(s))" in run("access", "HS-OLD", "public")
    hits = json.loads(run("search", "ban sao", "--json", "--clearance", "public"))
    assert [h["document_id"] for h in hits] == [doc_id]
    assert "HS-OLD: restricted" in run("access", "HS-OLD", "restricted")
    assert json.loads(run("search", "ban sao", "--json")) == []  # internal reader
    env = {**os.environ, "KYSO_DATA_DIR": str(tmp_path / "data"), "KYSO_OBJECT_STORE": "folder"}
    env.pop("KYSO_DATABASE_URL", None)
    for args, code in [(("HS-OLD", "open"), "archive_bad_access_level"),
                       (("HS-NONE", "public"), "archive_dossier_not_found")]:  # fmt: skip
        refused = subprocess.run([KYSO, "archive", "access", *args], env=env,
                                 capture_output=True, text=True, timeout=120)  # fmt: skip
        assert refused.returncode == 4 and f"[{code}]" in refused.stderr, refused.stderr
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'kyso.db'}")
    with engine.connect() as conn:
        actions = conn.scalars(sa.select(t.audit_log.c.action).order_by(t.audit_log.c.seq)).all()
        meta = conn.scalar(sa.select(t.documents.c.meta).where(t.documents.c.id == doc_id))
    engine.dispose()
    assert actions.count("access.set") == 2
    assert json.loads(str(meta))["access_level"] == "restricted"
    assert "OK" in run("log", "verify")
