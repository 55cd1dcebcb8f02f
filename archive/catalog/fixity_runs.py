"""Fixity runs in ``archive_fixity_runs``, read as frozen ``FixityRun`` records only here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from archive.catalog import auditlog
from archive.catalog import tables as t
from archive.catalog.codec import as_utc, maybe_utc
from archive.metadata import FixityProblem, FixityRun
from common.clock import Clock

runs = t.fixity_runs


def _run(m: sa.RowMapping | Mapping[str, Any]) -> FixityRun:
    return FixityRun(
        id=str(m["id"]),
        started_at=as_utc(m["started_at"]),
        finished_at=maybe_utc(m["finished_at"]),
        sample=float(m["sample"]),
        cursor=int(m["cursor"]),
        checked=int(m["checked"]),
        problems=tuple(FixityProblem(**item) for item in json.loads(m["problems"])),
    )


def fixity_runs(conn: sa.Connection, limit: int, finished: bool | None) -> tuple[FixityRun, ...]:
    """Newest first: by start, or by finish when only finished runs are asked for."""
    query = sa.select(runs)
    if finished is None:
        query = query.order_by(runs.c.started_at.desc())
    elif finished:
        query = query.where(runs.c.finished_at.is_not(None)).order_by(runs.c.finished_at.desc())
    else:
        query = query.where(runs.c.finished_at.is_(None)).order_by(runs.c.started_at.desc())
    return tuple(_run(row) for row in conn.execute(query.limit(limit)).mappings())


def start_run(conn: sa.Connection, run: FixityRun) -> None:
    conn.execute(
        sa.insert(runs).values(
            id=run.id,
            started_at=as_utc(run.started_at),
            sample=run.sample,
            cursor=run.cursor,
            checked=run.checked,
            problems=_problems(run),
        )
    )


def _problems(run: FixityRun) -> str:
    return json.dumps([asdict(p) for p in run.problems])


def save_run(conn: sa.Connection, run: FixityRun) -> None:
    conn.execute(
        sa.update(runs)
        .where(runs.c.id == run.id)
        .values(
            cursor=run.cursor,
            checked=run.checked,
            finished_at=maybe_utc(run.finished_at),
            problems=_problems(run),
        )
    )


def finish_run(conn: sa.Connection, clock: Clock, run: FixityRun, *, actor: str) -> None:
    save_run(conn, run)
    auditlog.append(
        conn,
        clock,
        actor=actor,
        action="fixity.run",
        subject=run.id,
        details={"checked": run.checked, "problems": len(run.problems), "sample": run.sample},
    )
