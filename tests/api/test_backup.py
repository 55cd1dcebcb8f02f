"""Backup and restore into an empty data dir: every document and the audit chain still verify."""

from __future__ import annotations

import gzip
import io
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from apitools import citizen_signed_pdf
from sqlalchemy import create_engine, text

from api.backup import backup, restore
from api.settings import Settings
from api.wiring import Services, build_services
from archive.fixity import audit
from archive.metadata import DocumentMeta
from common.errors import ConflictError, InputError
from verify.engine import verify_pdf

KYSO = str(Path(sys.executable).parent / "kyso")


def _populate(services: Services) -> str:
    services.ensure_pki()
    signed = citizen_signed_pdf(services)
    return services.archive.put(
        io.BytesIO(signed),
        dossier_code="HS-2026-7",
        meta=DocumentMeta(title="Đơn đề nghị"),
        kind="signed",
        media_type="application/pdf",
    ).document_id


def _check_restored(services: Services, document_id: str) -> None:
    report = audit(services.archive)
    assert report.ok and report.checked == 1
    assert services.catalog.audit_log.verify().ok
    _version, chunks = services.archive.read(document_id)
    verdict = verify_pdf(b"".join(chunks), services.verify_options())
    assert verdict.indication.value == "TOTAL_PASSED"
    assert services.pki.issue_seal("UBND Phường Hàng Bạc").serial  # the CA keys came back


PASSPHRASE = b"chi-nguoi-van-hanh-biet"


def test_backup_restores_into_an_empty_data_dir_on_sqlite(tmp_path: Path) -> None:
    source = Settings(data_dir=tmp_path / "old")
    document_id = _populate(build_services(source))
    report = backup(source, tmp_path / "kyso.tar.gz", include_secrets=True, passphrase=PASSPHRASE)
    assert set(report.members) == {"catalog.sqlite", "secrets.sealed", "archive"}
    assert report.path.stat().st_mode & 0o777 == 0o600
    target = Settings(data_dir=tmp_path / "new")
    restore(target, report.path, passphrase=PASSPHRASE)
    _check_restored(build_services(target), document_id)
    with pytest.raises(ConflictError):
        restore(target, report.path, passphrase=PASSPHRASE)  # never over existing data


def _tar_stream(path: Path) -> bytes:
    """Every byte of the backup as tar stores it (decompressed)."""
    with gzip.open(path) as raw:
        return raw.read()


def test_the_ca_keys_cannot_be_recovered_from_a_backup_without_the_operators_passphrase(
    tmp_path: Path,
) -> None:
    source = Settings(data_dir=tmp_path / "old")
    document_id = _populate(build_services(source))
    keystore_passphrase = (source.data_dir / "secrets" / "keystore.passphrase").read_bytes()
    report = backup(source, tmp_path / "kyso.tar.gz", include_secrets=True, passphrase=PASSPHRASE)

    stream = _tar_stream(report.path)
    assert keystore_passphrase.strip() not in stream  # not beside the keys it opens
    assert b"PRIVATE KEY" not in stream  # the key files themselves are sealed too
    assert PASSPHRASE not in stream
    with tarfile.open(report.path) as tar:
        assert not [m.name for m in tar.getmembers() if m.name.startswith(("keys", "secrets/"))]

    target = Settings(data_dir=tmp_path / "new")
    for wrong, code in ((None, "backup_passphrase_required"),
                        (b"mot-mat-khau-khac", "backup_passphrase_wrong")):  # fmt: skip
        with pytest.raises(InputError) as refused:
            restore(target, report.path, passphrase=wrong)
        assert refused.value.code == code
        assert list(target.data_dir.iterdir()) == []  # nothing restored, ready for a retry
    restore(target, report.path, passphrase=PASSPHRASE)
    _check_restored(build_services(target), document_id)


def test_a_backup_with_secrets_needs_a_passphrase_long_enough(tmp_path: Path) -> None:
    source = Settings(data_dir=tmp_path / "old")
    build_services(source).ensure_pki()
    for passphrase, code in ((None, "backup_passphrase_required"),
                             (b"short", "backup_passphrase_weak")):  # fmt: skip
        with pytest.raises(InputError) as refused:
            backup(source, tmp_path / "kyso.tar.gz", include_secrets=True, passphrase=passphrase)
        assert refused.value.code == code
        assert not (tmp_path / "kyso.tar.gz").exists()


def test_a_truncated_backup_is_refused_with_a_code_and_the_data_dir_stays_empty(
    tmp_path: Path,
) -> None:
    source = Settings(data_dir=tmp_path / "old")
    _populate(build_services(source))
    report = backup(source, tmp_path / "kyso.tar.gz")
    whole = report.path.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    data = tmp_path / "new"
    done = subprocess.run(
        [KYSO, "admin", "restore", str(truncated)],
        env={**os.environ, "KYSO_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith("lỗi / error [backup_invalid]: "), done.stderr
    assert not data.exists() or list(data.iterdir()) == []
    done = subprocess.run(
        [KYSO, "admin", "restore", str(report.path)],
        env={**os.environ, "KYSO_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # the whole backup restores into the same dir


def _recording(folder: Path, program: str, log: Path) -> None:
    """``program`` on PATH as a script that notes its arguments and PGPASSWORD, then runs
    the real one (the backup is real; the note shows what other users of the host see)."""
    real = shutil.which(program)
    assert real is not None, f"{program} is not installed"
    script = folder / program
    script.write_text(
        f'#!/bin/sh\nprintf "argv %s\\nenv %s\\n" "$*" "$PGPASSWORD" >> {log}\nexec {real} "$@"\n'
    )
    script.chmod(0o700)


@pytest.mark.postgres
def test_backup_restores_a_postgresql_catalog(
    tmp_path: Path, postgres_url: str, postgres_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "mat-khau-csdl-" + secrets.token_hex(4)  # trust auth: any password is taken
    with_password = postgres_url.replace("postgres@", f"postgres:{password}@", 1)
    tools, log = tmp_path / "bin", tmp_path / "pg-tools.log"
    tools.mkdir()
    for program in ("pg_dump", "pg_restore"):
        _recording(tools, program, log)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")

    source = Settings(data_dir=tmp_path / "old", database_url=with_password)
    services = build_services(source)
    document_id = _populate(services)
    services.engine.dispose()
    report = backup(source, tmp_path / "kyso.tar.gz", include_secrets=True, passphrase=PASSPHRASE)
    name = "kyso_r_" + secrets.token_hex(6)
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target_url = f"{postgres_server}/{name}".replace("postgres@", f"postgres:{password}@", 1)
        target = Settings(data_dir=tmp_path / "new", database_url=target_url)
        restore(target, report.path, passphrase=PASSPHRASE)
        restored = build_services(target)
        _check_restored(restored, document_id)
        restored.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    lines = log.read_text().splitlines()
    argv = [line for line in lines if line.startswith("argv ")]
    assert len(argv) == 2 and password not in "\n".join(argv)  # ps shows no password
    assert [line for line in lines if line.startswith("env ")] == [f"env {password}"] * 2


def test_a_backup_with_paths_outside_the_data_dir_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        for name, body in (("FORMAT", b"kyso-backup-1"), ("../escape.txt", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    with pytest.raises(InputError) as err:
        restore(Settings(data_dir=tmp_path / "new"), evil)
    assert err.value.code == "backup_unsafe"
    assert not (tmp_path / "escape.txt").exists()
