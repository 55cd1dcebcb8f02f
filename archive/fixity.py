"""Fixity audits: re-read stored versions, re-hash them, report missing or corrupted ones.

A run keeps its cursor (the last version row checked) in ``archive_fixity_runs`` after every
batch, so ``resume=True`` continues an interrupted run instead of starting over. ``sample``
checks a fraction of the versions; the choice is derived from the run id, so a resumed run
samples the same versions it would have without the interruption.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

from archive.errors import ArchiveError, ArchiveInputError, ArchiveNotFoundError
from archive.ingest import Archive
from archive.metadata import FixityProblem, VersionRecord
from common.ids import new_id

log = logging.getLogger(__name__)


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
    catalog = archive.catalog
    unfinished = catalog.fixity_runs(1, finished=False) if resume else ()
    resumed = bool(unfinished)
    run = unfinished[0] if unfinished else catalog.start_fixity_run(new_id("f"), sample)
    cursor, checked, problems = run.cursor, run.checked, list(run.problems)
    disposed = catalog.disposed_document_ids()
    while rows := catalog.versions_after(cursor, batch):
        for row_id, version in rows:
            cursor = row_id
            if version.document_id in disposed or not _sampled(run.id, row_id, run.sample):
                continue
            checked += 1
            problem = check_version(archive, version)
            if problem is not None:
                problems.append(problem)
        run = replace(run, cursor=cursor, checked=checked, problems=tuple(problems))
        catalog.save_fixity_run(run)
    first = _first_in_sample(archive, run.id, disposed) if checked == 0 else None
    if first is not None:  # a small archive or sample: a sample still checks one version
        checked = 1
        problem = check_version(archive, first)
        if problem is not None:
            problems.append(problem)
    run = replace(
        run,
        cursor=cursor,
        checked=checked,
        problems=tuple(problems),
        finished_at=archive.clock.now(),
    )
    catalog.finish_fixity_run(run, actor=actor)
    versions = catalog.live_version_count()
    return FixityReport(run.id, checked, resumed, run.problems, versions)


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
