"""The CLI on a full data disk and on a damaged database: every command answers with kyso's
one-line error and exit 4 (exit 1 keeps meaning "problems found" for audit and log verify),
never a traceback; ``/ready`` says why the service is not ready."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from faulttools import assert_archive_sound, assert_refused, fill, kyso_env, run_kyso

from api.settings import Settings
from api.wiring_archive import build_archive
from tests.api.apitools import make_kyso, make_pdf

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def _ok(env: dict[str, str], *args: str) -> str:
    done = run_kyso(env, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def test_cli_commands_on_a_full_disk_say_storage_full(tmp_path: Path, small_disk: Path) -> None:
    env = kyso_env(small_disk)
    _ok(env, "pki", "init")
    serial = _ok(env, "pki", "issue", "seal", "--agency", "UBND Phường Hàng Bạc").split()[0]
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("Biên bản số 1")
    second.write_text("Biên bản số 2")
    _ok(env, "archive", "put", str(first), "--dossier", "HS-FULL-1")
    unsigned = tmp_path / "don.pdf"
    unsigned.write_bytes(make_pdf("Giay xac nhan"))

    filler = fill(small_disk)
    assert_refused(run_kyso(env, "archive", "put", str(second), "--dossier", "HS-FULL-2"),
                   "storage_full")  # fmt: skip
    assert_refused(run_kyso(env, "archive", "audit"), "storage_full")  # not 1: nothing is wrong
    signed = small_disk / "signed.pdf"
    assert_refused(run_kyso(env, "sign", str(unsigned), "-o", str(signed), "--signer", serial,
                            "--level", "B-B"), "storage_full")  # fmt: skip
    assert not signed.exists()
    out = small_disk / "backup.tar.gz"
    assert_refused(run_kyso(env, "admin", "backup", "--out", str(out)), "storage_full")
    assert not out.exists()  # no partial backup that looks like one

    filler.unlink()
    _ok(env, "archive", "put", str(second), "--dossier", "HS-FULL-2")
    _ok(env, "sign", str(unsigned), "-o", str(signed), "--signer", serial, "--level", "B-B")
    assert "checked 2 of 2 versions, OK" in _ok(env, "archive", "audit")
    _ok(env, "archive", "log", "verify")
    assert_archive_sound(build_archive(Settings(data_dir=small_disk)))


def test_ready_says_not_ready_on_a_full_data_disk(tmp_path: Path, small_disk: Path) -> None:
    kyso = make_kyso(tmp_path, Settings(data_dir=small_disk))
    assert kyso.client.get("/ready").status_code == 200
    filler = fill(small_disk)
    response = kyso.client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["data_disk"] == "storage_full"
    filler.unlink()
    assert kyso.client.get("/ready").status_code == 200
    kyso.services.close()


def _damage_tables(database: Path, *tables: str) -> None:
    """Overwrite the root page of each table with garbage, as a bad disk sector would."""
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        marks = ",".join("?" * len(tables))
        pages = conn.execute(
            f"SELECT rootpage FROM sqlite_master WHERE name IN ({marks})", tables
        ).fetchall()
    conn.close()
    assert len(pages) == len(tables)
    with database.open("r+b") as raw:
        for (page,) in pages:
            raw.seek((page - 1) * page_size)
            raw.write(b"\xa5" * page_size)


def test_cli_commands_on_a_damaged_database_say_database_corrupt(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = kyso_env(data)
    document = tmp_path / "a.txt"
    document.write_text("Quyết định số 7")
    _ok(env, "archive", "put", str(document), "--dossier", "HS-BAD-1")
    _damage_tables(data / "kyso.db", "archive_versions", "archive_audit_log", "archive_documents")

    document.write_text("Quyết định số 8")
    assert_refused(run_kyso(env, "archive", "put", str(document), "--dossier", "HS-BAD-1"),
                   "database_corrupt")  # fmt: skip
    assert_refused(run_kyso(env, "archive", "audit"), "database_corrupt")
    assert_refused(run_kyso(env, "archive", "log", "verify"), "database_corrupt")


def test_ready_says_not_ready_when_the_database_cannot_be_read(tmp_path: Path) -> None:
    kyso = make_kyso(tmp_path)
    assert kyso.client.get("/ready").status_code == 200
    kyso.services.engine.dispose()  # no connection keeps pages of the file in its cache
    _damage_tables(kyso.services.settings.data_dir / "kyso.db", "alembic_version")
    response = kyso.client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "database_corrupt"
    kyso.services.close()
