"""Fixity audits: re-read stored versions, re-hash them, report missing or corrupted ones.

A run keeps its cursor (the last version row checked) in ``archive_fixity_runs`` after every
batch, so ``resume=True`` continues an interrupted run instead of starting over. ``sample``
checks a fraction of the versions; the choice is derived from the run id, so a resumed run
samples the same versions it would have without the interruption.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa

from archive import auditlog
from archive.catalog import tables as t
from archive.catalog.codec import as_utc
from archive.errors import ArchiveError, ArchiveInputError, ArchiveNotFoundError
from archive.ingest import Archive
from archive.metadata import VersionRecord
from common.ids import new_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FixityProblem:
    document_id: str
    number: int
    problem: str  # "missing" or "corrupted"
    expected_sha256: str
    actual_sha256: str = ""


@dataclass(frozen=True)
class FixityReport:
    run_id: str
    checked: int
    resumed: bool
    problems: tuple[FixityProblem, ...]
    #: live versions in the catalog when the run ended (what a full audit would check)
    versions: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _score(run_id: str, row_id: int) -> float:
    """Where a version falls in this run's sample: [0, 1), the same after a resume."""
    digest = hashlib.sha256(f"{run_id}:{row_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _sampled(run_id: str, row_id: int, sample: float) -> bool:
    return sample >= 1.0 or _score(run_id, row_id) < sample


def check_version(archive: Archive, version: VersionRecord) -> FixityProblem | None:
    """Re-hash one stored version; None when it is intact."""
    digest = hashlib.sha256()
    try:
        for chunk in archive.store.open(version.storage_key, version.storage_version_id):
            digest.update(chunk)
    except ArchiveNotFoundError:
        return FixityProblem(version.document_id, version.number, "missing", version.sha256)
    except ArchiveError as exc:
        log.warning("fixity: cannot read %s: %s", version.storage_key, exc.code)
        return FixityProblem(version.document_id, version.number, "unreadable", version.sha256)
    if digest.hexdigest() != version.sha256:
        return FixityProblem(
            version.document_id, version.number, "corrupted", version.sha256, digest.hexdigest()
        )
    return None


def audit(
    archive: Archive,
    *,
    sample: float = 1.0,
    resume: bool = False,
    batch: int = 200,
    actor: str = "fixity",
) -> FixityReport:
    """Check stored versions (all, or a sample); continue the last unfinished run if asked."""
    if not 0.0 < sample <= 1.0:
        raise ArchiveInputError("archive_bad_sample", "sample must be in (0, 1]")
    engine = archive.catalog.engine
    run = None
    if resume:
        with engine.connect() as conn:
            run = conn.execute(
                sa.select(t.fixity_runs)
                .where(t.fixity_runs.c.finished_at.is_(None))
                .order_by(t.fixity_runs.c.started_at.desc())
                .limit(1)
            ).first()
    if run is not None:
        run_id, cursor, checked = run.id, int(run.cursor), int(run.checked)
        sample = float(run.sample)
        problems = [FixityProblem(**item) for item in json.loads(run.problems)]
    else:
        run_id, cursor, checked, problems = new_id("f"), 0, 0, []
        with engine.begin() as conn:
            conn.execute(
                sa.insert(t.fixity_runs).values(
                    id=run_id,
                    started_at=as_utc(archive.clock.now()),
                    sample=sample,
                    cursor=0,
                    checked=0,
                    problems="[]",
                )
            )
    disposed = _disposed_documents(engine)
    while rows := archive.catalog.versions_after(cursor, batch):
        for row_id, version in rows:
            cursor = row_id
            if version.document_id in disposed or not _sampled(run_id, row_id, sample):
                continue
            checked += 1
            problem = check_version(archive, version)
            if problem is not None:
                problems.append(problem)
        _save(engine, run_id, cursor, checked, problems, finished=None)
    first = _first_in_sample(archive, run_id, disposed) if checked == 0 else None
    if first is not None:  # a small archive or sample: a sample still checks one version
        checked = 1
        problem = check_version(archive, first)
        if problem is not None:
            problems.append(problem)
    with engine.begin() as conn:
        _save_in(conn, run_id, cursor, checked, problems, as_utc(archive.clock.now()))
        auditlog.append(
            conn,
            archive.clock,
            actor=actor,
            action="fixity.run",
            subject=run_id,
            details={"checked": checked, "problems": len(problems), "sample": sample},
        )
    versions = _live_versions(engine)
    return FixityReport(run_id, checked, run is not None, tuple(problems), versions)


def _first_in_sample(archive: Archive, run_id: str, disposed: set[str]) -> VersionRecord | None:
    """The live version with the lowest sample score of this run (read in batches)."""
    best: tuple[float, VersionRecord] | None = None
    cursor = 0
    while rows := archive.catalog.versions_after(cursor, 1000):
        for row_id, version in rows:
            score = _score(run_id, row_id)
            if version.document_id not in disposed and (best is None or score < best[0]):
                best = (score, version)
        cursor = rows[-1][0]
    return None if best is None else best[1]


def _live_versions(engine: sa.Engine) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(t.versions)
        .join(t.documents, t.documents.c.id == t.versions.c.document_id)
        .where(t.documents.c.disposed_at.is_(None))
    )
    with engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def _disposed_documents(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.documents.c.id).where(t.documents.c.disposed_at.is_not(None))
        )
        return {row.id for row in rows}


def _save(
    engine: sa.Engine,
    run_id: str,
    cursor: int,
    checked: int,
    problems: list[FixityProblem],
    finished: datetime | None,
) -> None:
    with engine.begin() as conn:
        _save_in(conn, run_id, cursor, checked, problems, finished)


def _save_in(
    conn: sa.Connection,
    run_id: str,
    cursor: int,
    checked: int,
    problems: list[FixityProblem],
    finished: datetime | None,
) -> None:
    conn.execute(
        sa.update(t.fixity_runs)
        .where(t.fixity_runs.c.id == run_id)
        .values(
            cursor=cursor,
            checked=checked,
            finished_at=finished,
            problems=json.dumps([asdict(p) for p in problems]),
        )
    )
