"""Receiving a package from a peer agency (``POST /api/v1/exchange/inbox``).

Order, and what each refusal leaves: the request's MAC (unknown peer, wrong MAC, stale date:
401, nothing stored) -> the peer's rate limit (429) -> the package parsed safely and checked
against kyso's schema (400, nothing stored) -> the header names the authenticated peer and
this agency -> its id and bytes are new (a duplicate or a replay: 409 ``exchange_duplicate``,
nothing stored twice; an earlier arrival of it that failed does not count) -> recorded with
status 01 -> every attachment a PDF whose signatures verify in the bounded PDF workers:
TOTAL_FAILED (or another INDETERMINATE than TRY_LATER, or no signature): status 02 with the
reason, nothing archived; INDETERMINATE/TRY_LATER (a revocation server slow or down): the
arrival is **held** (01 only, the package kept privately, re-verified later by
api/exchange_retry.py); all TOTAL_PASSED: the package XML and its PDFs archived all or nothing
(``archive.batch.put_dossier``), status 03. A failure on the way (the archive, the database)
removes the arrival whole: the sender gets the error and may send the same package again.
The answer carries the statuses as edXML status messages, which the sender records.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy.exc import SQLAlchemyError

from api import audit
from api.exchange import new_message_id, own_organ, status_message, store
from api.exchange_store import ExchangeStore, Message, TrailEntry
from api.files import private_dir, write_private
from archive.batch import BatchVersion, put_dossier
from archive.metadata import DocumentMeta, DossierMeta
from onestop.exchange import auth
from onestop.exchange.edxml import parse_package
from onestop.exchange.errors import ExchangeAuthError, ExchangeDuplicateError, ExchangeInputError
from onestop.exchange.model import Attachment, Package, StatusCode
from onestop.exchange.status import build_status
from verify.model import Indication, SubIndication

TRY_LATER = SubIndication.TRY_LATER

if TYPE_CHECKING:
    from api.wiring import Services

log = logging.getLogger(__name__)
PDF = "application/pdf"
#: a held arrival whose revocation data still cannot be had after this long is refused
HOLD_LIMIT = timedelta(days=3)


@dataclass(frozen=True)
class Arrival:
    message: Message
    #: the status messages answered (edXML), in order
    statuses: tuple[bytes, ...]


def authenticate(svc: Services, headers: Mapping[str, str], path: str, body: bytes) -> str:
    """The code of the peer that sent this request, once its MAC, date and receiver hold."""
    creds, mac = auth.read_credentials(headers, path)
    exchange = store(svc)
    secret = exchange.secret(creds.sender) if exchange.peer(creds.sender) else None
    if secret is None:
        raise ExchangeAuthError("exchange_unknown_peer", "this agency does not know the sender")
    auth.check(secret, creds, body, mac, svc.clock.now(), own_organ(svc).organ_id)
    svc.rate_limiter.check("exchange", creds.sender)  # per peer (KYSO_RATE_EXCHANGE_PER_MINUTE)
    return creds.sender


@dataclass(frozen=True)
class Verdict:
    #: passed | held | refused
    outcome: str
    reason: str = ""


def _verdict(svc: Services, item: Attachment) -> Verdict:
    """What the signatures of ``item`` say: passed, held (TRY_LATER: ask again later) or
    refused with the reason."""
    if item.content_type != PDF or not item.data.startswith(b"%PDF-"):
        return Verdict("refused", f"{item.name}: not a signed PDF")
    folder = private_dir(svc.settings.data_dir / "tmp")
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".pdf") as handle:
        handle.write(item.data)
        handle.flush()
        report = svc.verify_file(Path(handle.name), online=True)
    if not report.signatures:
        return Verdict("refused", f"{item.name}: no signature")
    if report.passed:
        return Verdict("passed")
    sub = f"/{report.sub_indication.value}" if report.sub_indication else ""
    text = f"{item.name}: chữ ký không hợp lệ / signature {report.indication.value}{sub}"
    if report.indication is Indication.INDETERMINATE and report.sub_indication is TRY_LATER:
        return Verdict("held", f"{item.name}: chờ kiểm tra thu hồi / revocation pending{sub}")
    return Verdict("refused", text)


def held_path(svc: Services, message_id: str) -> Path:
    """Where a held arrival's package waits (0600, folder 0700): not in the archive."""
    return private_dir(svc.settings.data_dir / "exchange" / "held") / f"{message_id}.xml"


@contextmanager
def _buffer(data: bytes) -> Iterator[BinaryIO]:
    yield io.BytesIO(data)


def _archive(svc: Services, message: Message, package: Package, body: bytes) -> tuple[str, ...]:
    """The package XML and its PDFs as one new dossier ``LT-{message id}``, all or nothing."""
    h = package.header
    notation = f"{h.code_number}/{h.code_notation}"
    common = {
        "number_notation": notation,
        "issue_date": h.promulgation_date,
        "issuing_body": h.sender.organ_name,
        "document_type": h.document_type,
        "identifier": h.document_id,
    }
    metas = [DocumentMeta(title=f"Gói edXML {notation}", summary=h.subject, **common)]  # type: ignore[arg-type]
    versions = [BatchVersion(0, partial(_buffer, body), "application/xml", label="package")]
    for number, item in enumerate(package.attachments, start=1):
        metas.append(DocumentMeta(title=h.subject, summary=h.content or item.name, **common))  # type: ignore[arg-type]
        versions.append(
            BatchVersion(number, partial(_buffer, item.data), PDF, kind="signed", label=item.name)
        )
    dossier = DossierMeta(f"LT-{message.id}", f"Liên thông: {h.subject}"[:500])
    return put_dossier(svc.archive, dossier, metas, versions, actor=message.actor,
                       journal={"exchange": message.id})  # fmt: skip


def _status(
    svc: Services,
    exchange: ExchangeStore,
    message: Message,
    code: StatusCode,
    text: str,
    delivered: bool = True,
) -> bytes:
    status = status_message(svc, message, code, text)
    exchange.append(message.id, TrailEntry(code, text, status.timestamp, "", delivered))
    return build_status(status)


def decide(
    svc: Services, message: Message, package: Package, body: bytes, *, answered: bool
) -> list[bytes]:
    """Verify the attachments and act: refuse (02), hold (nothing yet) or archive (03). The
    statuses it adds; ``answered``: they go back in the answer (else they wait to be sent)."""
    exchange = store(svc)
    verdicts = [_verdict(svc, item) for item in package.attachments]
    refused = [v.reason for v in verdicts if v.outcome == "refused"]
    held = [v.reason for v in verdicts if v.outcome == "held"]
    if held and not refused and svc.clock.now() - message.created_at > HOLD_LIMIT:
        refused = [*held, f"giữ quá {HOLD_LIMIT.days} ngày / held too long"]
    if refused:
        text = "Từ chối / refused: " + "; ".join(refused)
        exchange.settle(message.id, "refused", reason=text)
        return [_status(svc, exchange, message, StatusCode.REFUSED, text, answered)]
    if held:
        text = "Chờ kiểm tra / verification pending: " + "; ".join(held)
        write_private(held_path(svc, message.id), body)
        exchange.settle(message.id, "held", reason=text)
        return []
    ids = _archive(svc, message, package, body)
    exchange.settle(message.id, "archived", documents=ids, archive_dossier=f"LT-{message.id}")
    text = "Đã tiếp nhận / accepted"
    return [_status(svc, exchange, message, StatusCode.ACCEPTED, text, answered)]


def _drop_failed(svc: Services, exchange: ExchangeStore, message: Message) -> None:
    """An arrival that failed half-way goes whole (its sender gets the error and may send it
    again); if even that cannot be written, it stays ``failed`` and a resend replaces it."""
    errors: tuple[type[BaseException], ...] = (SQLAlchemyError, *svc.archive.cleanup_errors)
    try:
        exchange.settle(message.id, "failed", reason="the arrival failed: see the server log")
        exchange.forget(message.id)
        audit.record(svc, message.actor, "exchange.received", message.id, state="failed",
                     document_id=message.document_id)  # fmt: skip
    except errors as exc:
        log.warning("exchange arrival %s failed; its record stays as failed (%s)", message.id, exc)


def receive(svc: Services, headers: Mapping[str, str], path: str, body: bytes) -> Arrival:
    sender = authenticate(svc, headers, path, body)
    package = parse_package(body, svc.settings.exchange_max_mb * 1024 * 1024)
    h = package.header
    if h.sender.organ_id != sender or h.receiver.organ_id != own_organ(svc).organ_id:
        raise ExchangeInputError("exchange_wrong_parties", "the package names other agencies")
    if not package.attachments:
        raise ExchangeInputError("exchange_no_attachment", "the package carries no document")
    exchange = store(svc)
    digest = hashlib.sha256(body).hexdigest()
    for earlier in exchange.seen("in", sender, h.document_id, digest):
        if earlier.state != "failed":
            raise ExchangeDuplicateError("exchange_duplicate", "this package was already received")
        exchange.forget(earlier.id)  # a failed arrival is no arrival: its resend is processed
    message = Message(
        id=new_message_id(), direction="in", peer=sender, document_id=h.document_id,
        package_sha256=digest, notation=f"{h.code_number}/{h.code_notation}",
        subject=h.subject, state="received", reason=None, documents=(), archive_dossier=None,
        actor=f"exchange:{sender}", created_at=svc.clock.now(),
    )  # fmt: skip
    exchange.add(message)  # two copies at once: one is refused here by the unique keys
    try:
        statuses = [_status(svc, exchange, message, StatusCode.RECEIVED, "Đã đến / received")]
        statuses += decide(svc, message, package, body, answered=True)
    except BaseException:
        _drop_failed(svc, exchange, message)
        raise
    arrived = exchange.get(message.id)
    if arrived.state == "held":  # asked again later, with backoff (api/exchange_retry.py)
        exchange.schedule(message.id, "verify", svc.clock.now(), arrived.reason or "")
    audit.record(svc, message.actor, "exchange.received", message.id, state=arrived.state,
                 document_id=h.document_id, documents=list(arrived.documents))  # fmt: skip
    return Arrival(arrived, tuple(statuses))
