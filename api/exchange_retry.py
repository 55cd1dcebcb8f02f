"""The exchange's work done again later: a **held** arrival (its signatures INDETERMINATE/
TRY_LATER: a revocation server slow or down) verified again until it is accepted (03, archived)
or refused (02); the statuses a sender could not be reached for sent again; a package its
receiver could not take (unreachable, 5xx) sent again, the same bytes. Each failed try
waits longer (``exchange_store.backoff``: 1, 2, 4 ... minutes, at most an hour).

``retry_due`` runs what is due: every ``KYSO_EXCHANGE_RETRY_SECONDS`` in ``kyso serve`` with the
embedded queue (``run_periodically``), as the job ``exchange.retry`` under ``kyso worker --beat``
(api/jobs/schedule.py), and before each ``kyso exchange send``/``status``/``receive``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from api import audit
from api.exchange import redeliver, resend, store
from api.exchange_inbox import decide, held_path
from api.exchange_store import Message
from api.jobs.base import JSON, JobKind, Progress
from archive.errors import ArchiveConflictError
from common.errors import KysoError
from onestop.exchange.edxml import parse_package
from onestop.exchange.errors import ExchangeStateError

if TYPE_CHECKING:
    from api.wiring import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryReport:
    #: arrivals verified again: (message id, state after)
    verified: tuple[tuple[str, str], ...] = ()
    #: arrivals whose waiting statuses all reached their sender
    delivered: tuple[str, ...] = ()
    #: packages sent again: (message id, state after: sent, refused or failed)
    sent: tuple[tuple[str, str], ...] = ()
    #: what failed again (message id, error), tried later
    failed: tuple[tuple[str, str], ...] = ()


def reverify(svc: Services, message_id: str) -> Message:
    """Verify a held arrival again: accepted (03, archived all or nothing), refused (02), or
    still held (tried later). The new status goes to the sender (later if it is down)."""
    exchange = store(svc)
    message = exchange.get(message_id)
    if message.direction != "in" or message.state != "held":
        exchange.unschedule(message.id, "verify")
        raise ExchangeStateError("exchange_not_held", "only a held arrival is verified again")
    path = held_path(svc, message.id)
    body = path.read_bytes()
    package = parse_package(body, svc.settings.exchange_max_mb * 1024 * 1024)
    try:
        decide(svc, message, package, body, answered=False)
    except ArchiveConflictError as exc:
        if exc.code != "archive_dossier_exists":
            raise
        return exchange.get(message_id)  # another re-verification archived it meanwhile
    except KysoError as exc:
        exchange.schedule(message.id, "verify", svc.clock.now(), f"[{exc.code}] {exc.message}")
        raise
    after = exchange.get(message_id)
    if after.state == "held":
        exchange.schedule(message.id, "verify", svc.clock.now(), after.reason or "")
        return after
    exchange.unschedule(message.id, "verify")
    path.unlink(missing_ok=True)
    audit.record(svc, message.actor, "exchange.reverified", message.id, state=after.state,
                 documents=list(after.documents))  # fmt: skip
    try:
        return redeliver(svc, message.id)
    except KysoError as exc:  # recorded as not delivered, sent again later
        log.info("exchange %s: the sender did not take the status (%s)", message.id, exc.code)
        return exchange.get(message.id)


def retry_due(svc: Services) -> RetryReport:
    """Everything due now: held arrivals verified again, waiting statuses sent again."""
    exchange = store(svc)
    verified: list[tuple[str, str]] = []
    delivered: list[str] = []
    sent: list[tuple[str, str]] = []
    failed: list[tuple[str, str]] = []
    for message_id, kind in exchange.due(svc.clock.now()):
        try:
            if kind == "verify":
                verified.append((message_id, reverify(svc, message_id).state))
            elif kind == "send":
                sent.append((message_id, resend(svc, message_id).state))
            else:
                redeliver(svc, message_id)
                delivered.append(message_id)
        except KysoError as exc:
            log.warning("exchange %s: %s failed again [%s]", message_id, kind, exc.code)
            failed.append((message_id, exc.code))
    return RetryReport(tuple(verified), tuple(delivered), tuple(sent), tuple(failed))


def retry_job(services: Callable[[], Services]) -> JobKind:
    """The job ``exchange.retry`` (``retry_due`` of the running process's services): Celery
    beat's entry for the retries (``kyso worker --beat``); ``kyso serve`` runs them itself."""

    def run(_payload: JSON, progress: Progress) -> JSON:
        report = retry_due(services())
        progress(1, 1)
        return {
            "verified": [list(pair) for pair in report.verified],
            "delivered": list(report.delivered),
            "sent": [list(pair) for pair in report.sent],
            "failed": [list(pair) for pair in report.failed],
        }

    return JobKind("exchange.retry", run)


async def run_periodically(services: Callable[[], Services], every: float) -> None:
    """``retry_due`` every ``every`` seconds, off the event loop, until cancelled (``kyso
    serve`` with the embedded queue); a database that does not answer is logged and tried at
    the next round."""
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(retry_due, services())
        except SQLAlchemyError as exc:
            log.warning("exchange retries: the database did not answer (%s)", type(exc).__name__)
