"""Fixity audits find flipped bytes; the audit chain finds edited, deleted, reordered rows."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.adapters import TsaAnchorer
from archive import fixity, lta
from archive.catalog import tables as t
from archive.ingest import Archive
from archive.metadata import DocumentMeta
from archive.store.folder import FolderStore
from common.clock import FrozenClock

META = DocumentMeta(title="Giấy chứng nhận quyền sử dụng đất", retention="20")


def _fill(archive: Archive, count: int) -> list[str]:
    return [
        archive.put(io.BytesIO(f"doc {i}".encode()), dossier_code="HS-F", meta=META).document_id
        for i in range(count)
    ]


def _flip_a_byte(archive: Archive, document_id: str) -> None:
    version = archive.catalog.version(document_id)
    assert isinstance(archive.store, FolderStore)
    path: Path = archive.store.root / version.storage_key
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))


def test_audit_of_an_intact_archive_reports_no_problem(archive: Archive) -> None:
    _fill(archive, 3)
    report = fixity.audit(archive)
    assert report.ok and report.checked == 3


def test_a_flipped_byte_is_found_by_the_audit(archive: Archive) -> None:
    ids = _fill(archive, 3)
    _flip_a_byte(archive, ids[1])
    report = fixity.audit(archive)
    assert [(p.document_id, p.problem) for p in report.problems] == [(ids[1], "corrupted")]


def test_a_missing_object_is_found_by_the_audit(archive: Archive) -> None:
    ids = _fill(archive, 2)
    version = archive.catalog.version(ids[0])
    assert isinstance(archive.store, FolderStore)
    (archive.store.root / version.storage_key).unlink()
    report = fixity.audit(archive)
    assert [(p.document_id, p.problem) for p in report.problems] == [(ids[0], "missing")]


def test_sampled_audit_checks_only_part_of_the_archive(archive: Archive) -> None:
    _fill(archive, 40)
    report = fixity.audit(archive, sample=0.25)
    assert 0 < report.checked < 40


def test_resumed_audit_continues_where_the_interrupted_one_stopped(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _fill(archive, 6)
    _flip_a_byte(archive, ids[0])
    calls = {"n": 0}
    real = fixity.check_version

    def dies_on_the_fourth(arch: Archive, version: object) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(arch, version)  # type: ignore[arg-type]

    monkeypatch.setattr(fixity, "check_version", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        fixity.audit(archive, batch=2)
    monkeypatch.undo()
    report = fixity.audit(archive, resume=True, batch=2)
    assert report.resumed
    assert report.checked == 6  # 2 saved before the crash + the 4 left; none twice
    assert [p.document_id for p in report.problems] == [ids[0]]


def test_untouched_audit_log_verifies(archive: Archive) -> None:
    _fill(archive, 3)
    report = archive.catalog.audit_log.verify()
    assert report.ok and report.entries >= 6


def test_an_edited_audit_row_is_found(archive: Archive) -> None:
    _fill(archive, 3)
    with archive.catalog.engine.begin() as conn:
        conn.execute(sa.update(t.audit_log).where(t.audit_log.c.seq == 3).values(actor="mallory"))
    problems = archive.catalog.audit_log.verify().problems
    assert (3, "edited") in [(p.seq, p.problem) for p in problems]


def test_a_deleted_audit_row_is_found(archive: Archive) -> None:
    _fill(archive, 3)
    with archive.catalog.engine.begin() as conn:
        conn.execute(sa.delete(t.audit_log).where(t.audit_log.c.seq == 2))
    problems = archive.catalog.audit_log.verify().problems
    assert (3, "missing_or_reordered") in [(p.seq, p.problem) for p in problems]


def test_reordered_audit_rows_are_found(archive: Archive) -> None:
    _fill(archive, 3)
    with archive.catalog.engine.begin() as conn:
        a = conn.execute(sa.select(t.audit_log).where(t.audit_log.c.seq == 2)).mappings().one()
        b = conn.execute(sa.select(t.audit_log).where(t.audit_log.c.seq == 3)).mappings().one()
        for row, seq in ((a, 3), (b, 2)):
            values = {k: v for k, v in row.items() if k != "seq"}
            conn.execute(sa.update(t.audit_log).where(t.audit_log.c.seq == seq).values(**values))
    assert not archive.catalog.audit_log.verify().ok


def test_truncating_the_newest_rows_is_found(archive: Archive) -> None:
    _fill(archive, 3)
    with archive.catalog.engine.begin() as conn:
        top = conn.scalar(sa.select(sa.func.max(t.audit_log.c.seq)))
        conn.execute(sa.delete(t.audit_log).where(t.audit_log.c.seq == top))
    assert not archive.catalog.audit_log.verify().ok


def test_anchor_with_kyso_tsa_token_covers_the_chain_head(
    archive: Archive, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from certs.tsa import tsa_from_pki
    from tests.certs.pkitools import make_pki

    pki = make_pki(request, tmp_path / "pki", "sqlite", "file")
    _fill(archive, 2)
    seq = archive.catalog.audit_log.anchor(TsaAnchorer(tsa_from_pki(pki)))
    assert seq is not None
    report = archive.catalog.audit_log.verify()
    assert report.ok and report.anchors == 1
    with archive.catalog.engine.begin() as conn:
        conn.execute(sa.delete(t.audit_log).where(t.audit_log.c.seq >= seq - 1))
        conn.execute(sa.update(t.audit_head).values(seq=seq - 2))
    problems = archive.catalog.audit_log.verify().problems
    assert "anchor_mismatch" in [p.problem for p in problems]


class _CountingAnchorer:
    """Not a TSA: returns an opaque token; verify then only checks the anchored hash."""

    def __init__(self) -> None:
        self.calls = 0

    def timestamp(self, digest: bytes) -> bytes:
        self.calls += 1
        return b"opaque-token"


def test_periodic_anchoring_waits_for_the_interval_and_new_entries(
    archive: Archive, clock: FrozenClock
) -> None:
    anchorer = _CountingAnchorer()
    audit_log = archive.catalog.audit_log
    _fill(archive, 1)
    assert audit_log.anchor_if_due(anchorer, timedelta(hours=1)) is not None
    archive.put(io.BytesIO(b"a new entry"), dossier_code="HS-F", meta=META)
    assert audit_log.anchor_if_due(anchorer, timedelta(hours=1)) is None
    clock.advance(timedelta(hours=2))
    assert audit_log.anchor_if_due(anchorer, timedelta(hours=1)) is not None
    assert audit_log.anchor_if_due(anchorer, timedelta(hours=1)) is None
    assert anchorer.calls == 2
    assert audit_log.verify().ok


class _Renewer:
    """Stands in for signing/: renews PDFs whose bytes end with b"old-ts"."""

    def needs_renewal(self, chunks: Iterator[bytes]) -> bool:
        return b"".join(chunks).endswith(b"old-ts")

    def renew(self, chunks: Iterator[bytes]) -> bytes:
        return b"".join(chunks) + b" +doc-ts-2026"


def test_lta_job_adds_a_renewed_version_only_where_needed(archive: Archive) -> None:
    due = archive.put(
        io.BytesIO(b"%PDF signed old-ts"),
        dossier_code="HS-L",
        meta=META,
        kind="signed",
        media_type="application/pdf",
    ).document_id
    fresh = archive.put(
        io.BytesIO(b"%PDF signed new-ts"),
        dossier_code="HS-L",
        meta=META,
        kind="signed",
        media_type="application/pdf",
    ).document_id
    _fill(archive, 1)  # plain originals are not candidates
    report = lta.renew_due(archive, _Renewer())
    assert report.checked == 2 and report.renewed == (due,)
    newest = archive.catalog.version(due)
    assert newest.kind == "lta" and newest.number == 2
    assert len(archive.catalog.document(fresh).versions) == 1


def test_fixity_runs_read_back_as_frozen_records_newest_first(
    archive: Archive, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _fill(archive, 3)
    _flip_a_byte(archive, ids[2])
    first = fixity.audit(archive)
    clock.advance(timedelta(minutes=5))

    def interrupted(arch: Archive, version: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(fixity, "check_version", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fixity.audit(archive, sample=0.5)
    monkeypatch.undo()
    newest, oldest = archive.catalog.fixity_runs(10)
    assert oldest.id == first.run_id and newest.finished_at is None
    assert (oldest.checked, oldest.sample, oldest.finished_at) == (
        3,
        1.0,
        clock.now() - timedelta(minutes=5),
    )
    assert [(p.document_id, p.number, p.problem) for p in oldest.problems] == [
        (ids[2], 1, "corrupted")
    ]
    assert archive.catalog.fixity_runs(10, finished=True) == (oldest,)
    assert archive.catalog.fixity_runs(10, finished=False) == (newest,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        oldest.checked = 0  # type: ignore[misc]


def test_the_audit_log_appends_in_its_own_transaction(archive: Archive) -> None:
    _fill(archive, 1)
    before = archive.catalog.audit_log.verify().entries
    seq = archive.catalog.audit_log.append(
        actor="can-bo-1", action="dossier.viewed", subject="HS-F", details={"page": 2}
    )
    report = archive.catalog.audit_log.verify()
    assert seq == before + 1 and report.entries == before + 1 and report.ok
