"""What kyso does by itself on a timetable: the nightly fixity audit and weekly B-LTA renewal
at Vietnam's night, the audit log's anchors, the exchange's retries; run by ``kyso serve``
with the embedded queue and by ``kyso worker --beat`` with Celery."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.jobs.base import JSON, JobKind, Progress, Registry
from api.jobs.celery_queue import beat_schedule
from api.jobs.inprocess import InProcessQueue
from api.jobs.schedule import VIETNAM, Entry, run_embedded, timetable
from api.settings import Settings
from api.wiring import build_services
from common.errors import NotFoundError

KYSO = str(Path(sys.executable).parent / "kyso")
TEST_REDIS = "redis://127.0.0.1:6379/8"


def _entry(settings: Settings, name: str) -> Entry:
    return next(e for e in timetable(settings) if e.name == name)


def test_the_nightly_audit_runs_at_two_in_the_night_in_hanoi_not_utc(tmp_path: Path) -> None:
    audit = _entry(Settings(data_dir=tmp_path), "fixity-audit")
    # 18:00 UTC is 01:00 in Hà Nội: the audit is due an hour later, 02:00 ICT = 19:00 UTC
    assert audit.next_due(datetime(2026, 12, 4, 18, 0, tzinfo=UTC)) == datetime(
        2026, 12, 4, 19, 0, tzinfo=UTC
    )
    # just after it ran: the next night
    assert audit.next_due(datetime(2026, 12, 4, 19, 0, tzinfo=UTC)) == datetime(
        2026, 12, 5, 19, 0, tzinfo=UTC
    )


def test_the_weekly_renewal_runs_on_sunday_night_in_hanoi(tmp_path: Path) -> None:
    renewal = _entry(Settings(data_dir=tmp_path), "lta-renewal")
    # Friday 4 December 2026, noon UTC: next is Sunday 6 December 03:00 ICT = Saturday 20:00 UTC
    due = renewal.next_due(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    assert due == datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
    assert due.astimezone(VIETNAM).strftime("%A %H:%M") == "Sunday 03:00"


def test_celery_beat_gets_the_same_times_in_utc(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, agency_code="000.00.00.H01")
    beat = beat_schedule(timetable(settings))
    assert set(beat) == {"fixity-audit", "lta-renewal", "audit-anchor", "exchange-retry"}
    nightly, weekly = beat["fixity-audit"]["schedule"], beat["lta-renewal"]["schedule"]
    assert nightly.hour == {19} and nightly.minute == {0}  # type: ignore[attr-defined]
    assert weekly.hour == {20} and weekly.day_of_week == {6}  # type: ignore[attr-defined]
    assert beat["audit-anchor"]["schedule"] == timedelta(hours=1)
    assert beat["exchange-retry"]["args"] == ("exchange.retry", {})
    # no agency code: no exchange; an interval of 0 turns anchoring off
    quiet = timetable(Settings(data_dir=tmp_path, audit_anchor_seconds=0))
    assert {e.name for e in quiet} == {"fixity-audit", "lta-renewal"}


def test_an_entry_still_running_is_not_started_twice() -> None:
    started: list[int] = []
    running, most = [0], [0]
    lock = threading.Lock()

    def slow(_payload: JSON, _progress: Progress) -> JSON:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            started.append(running[0])
        time.sleep(0.6)
        with lock:
            running[0] -= 1
        return {}

    registry = Registry()
    registry.add(JobKind("slow", slow))
    queue = InProcessQueue(registry)
    entries = (Entry("slow", "slow", every=timedelta(seconds=0.1)),)

    async def for_a_while() -> None:
        task = asyncio.create_task(run_embedded(queue, entries, lambda: datetime.now(UTC), 0.05))
        await asyncio.sleep(1.5)
        task.cancel()

    asyncio.run(for_a_while())
    queue.shutdown()
    # due every 0.1 s, each run 0.6 s long (the pool has two threads): never two at once
    assert started and most[0] == 1


def _anchors(data: Path) -> int:
    services = build_services(Settings(data_dir=data))
    try:
        report = services.catalog.audit_log.verify()
    finally:
        services.close()
    assert report.ok, report.problems
    return report.anchors


def _wait_for_anchor(data: Path, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while _anchors(data) == 0:
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)


def _with_entries(data: Path, pki: bool = True) -> None:
    """A data dir (PKI, database) whose audit log has entries to anchor."""
    services = build_services(Settings(data_dir=data))
    try:
        if pki:
            services.ensure_pki()
        services.catalog.audit_log.append(actor="test", action="test.entry", subject="s1")
    finally:
        services.close()


def test_kyso_serve_on_embedded_defaults_anchors_the_audit_log_by_itself(tmp_path: Path) -> None:
    from servetools import kyso_served

    with kyso_served(tmp_path, {"KYSO_AUDIT_ANCHOR_SECONDS": "1"}) as served:
        assert _anchors(served.data) == 0
        _with_entries(served.data, pki=False)  # what a user does is logged while it serves
        _wait_for_anchor(served.data, tmp_path / "server.log", 60)


@pytest.mark.redis
def test_celery_beat_anchors_the_audit_log(tmp_path: Path, redis_url: str) -> None:
    import redis

    redis.Redis.from_url(TEST_REDIS).flushdb()
    data = tmp_path / "data"
    _with_entries(data)
    env = {**os.environ, "KYSO_DATA_DIR": str(data), "KYSO_QUEUE": "celery",
           "KYSO_REDIS_URL": TEST_REDIS, "KYSO_AUDIT_ANCHOR_SECONDS": "1"}  # fmt: skip
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [KYSO, "worker", "--beat", "--pool", "solo", "--concurrency", "1"],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for_anchor(data, log, 90)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert (data / "celerybeat-schedule").exists() or list(data.glob("celerybeat-schedule*"))
    assert not (Path.cwd() / "celerybeat-schedule").exists()


def test_the_embedded_queue_keeps_only_the_newest_ended_jobs() -> None:
    registry = Registry()
    registry.add(JobKind("noop", lambda _payload, _progress: {}))
    queue = InProcessQueue(registry, kept=3)
    ids = []
    for n in range(8):
        ids.append(queue.submit("noop", {}, key=f"k{n}"))
        assert queue.wait(ids[-1], 10).status == "succeeded"
    newest = queue.submit("noop", {})
    queue.wait(newest, 10)
    for old in ids[:5]:
        with pytest.raises(NotFoundError):
            queue.info(old)
    assert [queue.info(i).status for i in ids[5:]] == ["succeeded"] * 3
    assert queue.submit("noop", {}, key="k0") not in ids  # a forgotten key starts a new job
    queue.shutdown()
