"""Backup and restore into an empty data dir: every document and the audit chain still verify."""

from __future__ import annotations

import io
import secrets
import tarfile
from pathlib import Path

import pytest
from apitools import citizen_signed_pdf
from sqlalchemy import create_engine, text

from api.backup import backup, restore
from api.settings import Settings
from api.wiring import Services
from archive.auditlog import verify as verify_chain
from archive.fixity import audit
from archive.metadata import DocumentMeta
from common.errors import ConflictError, InputError
from verify.engine import verify_pdf


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
    assert verify_chain(services.engine).ok
    _version, chunks = services.archive.read(document_id)
    verdict = verify_pdf(b"".join(chunks), services.verify_options())
    assert verdict.indication.value == "TOTAL_PASSED"
    assert services.pki.issue_seal("UBND Phường Hàng Bạc").serial  # the CA keys came back


def test_backup_restores_into_an_empty_data_dir_on_sqlite(tmp_path: Path) -> None:
    source = Settings(data_dir=tmp_path / "old")
    document_id = _populate(Services(source))
    report = backup(source, tmp_path / "kyso.tar.gz", include_secrets=True)
    assert set(report.members) == {"catalog.sqlite", "keys", "secrets", "archive"}
    target = Settings(data_dir=tmp_path / "new")
    restore(target, report.path)
    _check_restored(Services(target), document_id)
    with pytest.raises(ConflictError):
        restore(target, report.path)  # never over existing data


@pytest.mark.postgres
def test_backup_restores_a_postgresql_catalog(
    tmp_path: Path, postgres_url: str, postgres_server: str
) -> None:
    source = Settings(data_dir=tmp_path / "old", database_url=postgres_url)
    services = Services(source)
    document_id = _populate(services)
    services.engine.dispose()
    report = backup(source, tmp_path / "kyso.tar.gz", include_secrets=True)
    name = "kyso_r_" + secrets.token_hex(6)
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = Settings(data_dir=tmp_path / "new", database_url=f"{postgres_server}/{name}")
        restore(target, report.path)
        restored = Services(target)
        _check_restored(restored, document_id)
        restored.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
