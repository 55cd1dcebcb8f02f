"""What kyso does by itself, on a timetable: the nightly fixity audit, the weekly B-LTA
renewal, the anchoring of the audit log and the exchange's retries.

One table (``timetable``) for both queues: ``kyso worker --beat`` gives it to Celery beat
(``api.jobs.celery_queue.beat_schedule``); the embedded queue's ``kyso serve`` runs it itself
(``run_embedded``; the exchange's retries there by ``api.exchange_retry.run_periodically``), so
a `make run` install gets the same schedule. Times of day are Vietnam's (UTC+7, no
daylight saving): 02:00 is night in Hà Nội, not 02:00 UTC.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone

from api.jobs.base import JSON, JobQueue
from api.settings import Settings
from common.errors import KysoError

log = logging.getLogger(__name__)

VIETNAM = timezone(timedelta(hours=7), "ICT")


@dataclass(frozen=True)
class Entry:
    """A job run every ``every``, or each day (each ``weekday``, Monday 0) at ``at``, ICT."""

    name: str
    kind: str
    payload: JSON = field(default_factory=dict)
    every: timedelta | None = None
    at: time | None = None
    weekday: int | None = None

    def next_due(self, after: datetime) -> datetime:
        """The first time strictly after ``after`` this entry is due (aware, UTC)."""
        if self.every is not None:
            return after + self.every
        assert self.at is not None, f"{self.name}: neither every nor at"
        local = after.astimezone(VIETNAM)
        day = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        while day <= local or (self.weekday is not None and day.weekday() != self.weekday):
            day += timedelta(days=1)
        return day.astimezone(UTC)


def timetable(settings: Settings, *, exchange: bool = True) -> tuple[Entry, ...]:
    """The entries this installation runs (an interval of 0 turns its entry off); without
    ``exchange``, not the exchange's retries (``kyso serve`` runs those itself)."""
    entries = [
        # a sample of the archive re-hashed each night, resuming where the last run stopped
        # (Law on Archives 33/2024: originals checked for integrity)
        Entry("fixity-audit", "archive.audit", {"sample": 0.1, "resume": True}, at=time(2, 0)),
        # B-LTA documents get a fresh document time-stamp a year before the newest expires
        Entry("lta-renewal", "archive.lta_renew", {"horizon_days": 365}, at=time(3, 0), weekday=6),
    ]
    if settings.audit_anchor_seconds > 0:
        every = timedelta(seconds=settings.audit_anchor_seconds)
        payload: JSON = {"every_seconds": settings.audit_anchor_seconds}
        entries.append(Entry("audit-anchor", "archive.anchor", payload, every=every))
    if exchange and settings.agency_code and settings.exchange_retry_seconds > 0:
        every = timedelta(seconds=settings.exchange_retry_seconds)
        entries.append(Entry("exchange-retry", "exchange.retry", every=every))
    return tuple(entries)


async def run_embedded(
    queue: JobQueue,
    entries: tuple[Entry, ...],
    now: Callable[[], datetime],
    tick: float = 1.0,
) -> None:
    """Submit each entry to ``queue`` when it is due, until cancelled (``kyso serve`` with the
    embedded queue). An entry whose last job has not ended is not submitted again (a slow
    retry round is not doubled); a queue that refuses is logged and tried at the next due."""
    due = {entry.name: entry.next_due(now()) for entry in entries}
    running: dict[str, str] = {}
    while True:
        current = now()
        for entry in entries:
            if due[entry.name] > current:
                continue
            due[entry.name] = entry.next_due(current)
            if entry.name in running and not _ended(queue, running[entry.name]):
                log.info("schedule: %s still runs, not started again", entry.name)
                continue
            try:
                running[entry.name] = queue.submit(entry.kind, entry.payload)
            except KysoError as exc:
                log.warning("schedule: %s not started [%s]", entry.name, exc.code)
        wait = min(due.values(), default=current + timedelta(seconds=tick)) - now()
        await asyncio.sleep(min(tick, max(0.05, wait.total_seconds())))


def _ended(queue: JobQueue, job_id: str) -> bool:
    try:
        return queue.info(job_id).status in ("succeeded", "failed")
    except KysoError:
        return True
