"""The inter-agency exchange on kyso's services: sending a signed result or a dossier's result
to a peer agency as an edXML package, the status trail, and the statuses that travel back.

Requests between agencies are authenticated by ``onestop.exchange.auth`` (HMAC with the secret
the two share); the receiving side of a package is api/exchange_inbox.py.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from api import audit
from api.exchange_store import ExchangeStore, Message, Peer, TrailEntry
from api.files import private_dir, write_private
from common.clock import VN_TZ
from common.errors import ExternalServiceError, KysoError
from onestop.exchange import auth
from onestop.exchange.edxml import build_package
from onestop.exchange.errors import (
    EdxmlInvalidError,
    ExchangeDuplicateError,
    ExchangeInputError,
    ExchangeStateError,
)
from onestop.exchange.model import (
    Attachment,
    Header,
    Organ,
    Package,
    StatusCode,
    StatusMessage,
    Trace,
    check_next,
)
from onestop.exchange.status import build_status, parse_status

if TYPE_CHECKING:
    from api.wiring import Services

log = logging.getLogger(__name__)
INBOX = "/api/v1/exchange/inbox"
STATUS = "/api/v1/exchange/status"
PDF = "application/pdf"
TIMEOUT = 120.0
#: a package its peer has not taken after this long (unreachable, failing) is given up
SEND_LIMIT = timedelta(days=3)


def store(svc: Services) -> ExchangeStore:
    return ExchangeStore(svc.engine, svc.settings.data_dir)


def own_organ(svc: Services) -> Organ:
    code = svc.settings.agency_code
    if not code:
        raise ExchangeInputError("exchange_no_agency_code", "set KYSO_AGENCY_CODE to exchange")
    return Organ(code, svc.settings.agency_name or code)


def new_message_id() -> str:
    return "m" + secrets.token_hex(12)


def split_notation(number_notation: str, fallback: str) -> tuple[str, str]:
    """``123/QĐ-UBND`` -> (``123``, ``QĐ-UBND``) (Decree 30/2020: number / notation)."""
    number, sep, notation = number_notation.partition("/")
    if sep and number.strip() and notation.strip():
        return number.strip(), notation.strip()
    return fallback, number_notation.strip() or "KYSO"


def post_signed(
    svc: Services, peer: Peer, path: str, body: bytes, content_type: str
) -> httpx.Response:
    """POST ``body`` to ``peer`` with the MAC headers; a peer that cannot be reached is
    ``exchange_peer_unreachable`` (503)."""
    secret = store(svc).secret(peer.code)
    if secret is None:
        raise ExchangeInputError("exchange_no_secret", f"no shared secret for {peer.code}")
    creds = auth.Credentials(own_organ(svc).organ_id, peer.code, svc.clock.now(), path)
    headers = {**auth.sign(secret, creds, body), "Content-Type": content_type}
    try:
        return httpx.post(peer.url + path, content=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise ExternalServiceError(
            "exchange_peer_unreachable", f"{peer.code} did not answer: {type(exc).__name__}"
        ) from None


def _peer_error(answer: httpx.Response) -> KysoError:
    try:
        error = answer.json()["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "exchange_peer_error", f"HTTP {answer.status_code}"
    text = f"the peer answered {answer.status_code}: [{code}] {message}"
    if answer.status_code >= 500:  # the peer's own failure, not this request's fault
        return ExternalServiceError("exchange_peer_failed", text)
    if answer.status_code == 409 and code == "exchange_duplicate":
        return ExchangeDuplicateError("exchange_peer_has_it", text)
    return ExchangeInputError("exchange_peer_refused", text)


def _attachment(svc: Services, document_id: str) -> tuple[Attachment, str]:
    record = svc.catalog.document(document_id)
    version, chunks = svc.archive.read(document_id)
    if version.media_type != PDF:
        raise ExchangeInputError("exchange_not_a_pdf", f"{document_id} is not a PDF")
    name = f"{record.meta.title[:80] or document_id}.pdf".replace("/", "-")
    return Attachment("cid:" + document_id, name, PDF, b"".join(chunks)), record.meta.title


def send(
    svc: Services,
    *,
    to: str,
    actor: str,
    document_id: str | None = None,
    dossier_code: str | None = None,
    subject: str | None = None,
) -> Message:
    """Build the package of an archived signed PDF (``document_id``) or of a dossier's result,
    record it, post it to the peer and record the statuses the peer answers."""
    own = own_organ(svc)
    exchange = store(svc)
    peer = exchange.peer(to)
    if peer is None:
        raise ExchangeInputError("exchange_unknown_peer", f"no peer agency {to}")
    if (document_id is None) == (dossier_code is None):
        raise ExchangeInputError("exchange_bad_request", "give a document or a dossier")
    if dossier_code is not None:
        from sqlalchemy.orm import sessionmaker

        from api.dossiers import SqlDossiers

        dossier = SqlDossiers(sessionmaker(svc.engine)).get(dossier_code)
        if dossier is None or dossier.result_document is None:
            raise ExchangeInputError("exchange_no_result", f"{dossier_code} has no result yet")
        document_id = dossier.result_document
        subject = subject or dossier.service
    assert document_id is not None
    attachment, title = _attachment(svc, document_id)
    meta = svc.catalog.document(document_id).meta
    message_id = new_message_id()
    number, notation = split_notation(meta.number_notation, message_id)
    now = svc.clock.now()
    header = Header(
        sender=own,
        receiver=Organ(peer.code, peer.name),
        document_id=message_id,
        code_number=number,
        code_notation=notation,
        place=svc.settings.agency_place,
        promulgation_date=meta.issue_date or now.astimezone(VN_TZ).date(),
        document_type=meta.document_type or "Văn bản",
        subject=subject or title,
        content=meta.summary,
        signer_name=meta.issuing_body or own.organ_name,
        page_amount=meta.page_count,
    )
    body = build_package(Package(header, (Trace(own.organ_id, now),), (attachment,)))
    message = Message(
        id=message_id, direction="out", peer=peer.code, document_id=message_id,
        package_sha256=hashlib.sha256(body).hexdigest(), notation=meta.number_notation or notation,
        subject=header.subject, state="sending", reason=None, documents=(document_id,),
        archive_dossier=dossier_code, actor=actor, created_at=now,
    )  # fmt: skip
    exchange.add(message)
    try:
        return _post_package(svc, peer, message, body)
    except ExternalServiceError as exc:  # unreachable or its own failure: sent again later
        write_private(outbox_path(svc, message_id), body)
        reason = f"[{exc.code}] {exc.message}"
        exchange.settle(message_id, "retrying", reason=reason)
        exchange.schedule(message_id, "send", svc.clock.now(), reason)
        again = f"{exc.message}; {message_id} is sent again by itself (kyso exchange status)"
        raise ExternalServiceError(exc.code, again) from None
    except KysoError as exc:
        exchange.settle(message_id, "failed", reason=f"[{exc.code}] {exc.message}")
        raise


def outbox_path(svc: Services, message_id: str) -> Path:
    """Where a package waits to be sent again (0600, folder 0700)."""
    return private_dir(svc.settings.data_dir / "exchange" / "outbox") / f"{message_id}.xml"


def _post_package(svc: Services, peer: Peer, message: Message, body: bytes) -> Message:
    """Post a package and record the statuses of the peer's answer: sent or refused."""
    answer = post_signed(svc, peer, INBOX, body, "application/xml")
    if answer.status_code != 200:
        raise _peer_error(answer)
    for xml in answer.json()["statuses"]:
        record_status(svc, peer.code, str(xml).encode())
    exchange = store(svc)
    refused = exchange.get(message.id).latest is StatusCode.REFUSED
    exchange.settle(message.id, "refused" if refused else "sent", reason=None)
    audit.record(svc, message.actor, "exchange.sent", message.id, to=peer.code,
                 document=message.documents[0], refused=refused)  # fmt: skip
    return exchange.get(message.id)


def resend(svc: Services, message_id: str) -> Message:
    """Send a package again that its peer could not take (unreachable, 5xx), the same bytes
    (the receiver processes a package whose arrival failed anew): sent or refused, waiting
    again (a longer wait), or failed for good after ``SEND_LIMIT`` or a refusal (4xx)."""
    exchange = store(svc)
    message = exchange.get(message_id)
    path = outbox_path(svc, message_id)
    if message.direction != "out" or message.state != "retrying" or not path.exists():
        exchange.unschedule(message_id, "send")
        raise ExchangeStateError("exchange_not_retrying", "only a package waiting is sent again")
    peer = exchange.peer(message.peer)
    try:
        if peer is None:
            raise ExchangeInputError("exchange_unknown_peer", f"no peer agency {message.peer}")
        return _post_package(svc, peer, message, path.read_bytes())
    except ExternalServiceError as exc:
        reason = f"[{exc.code}] {exc.message}"
        if svc.clock.now() - message.created_at <= SEND_LIMIT:
            exchange.schedule(message_id, "send", svc.clock.now(), reason)
            raise
        exchange.settle(
            message_id, "failed", reason=f"not taken in {SEND_LIMIT.days} days: {reason}"
        )
        return exchange.get(message_id)
    except KysoError as exc:
        if exc.code != "exchange_peer_has_it":
            exchange.settle(message_id, "failed", reason=f"[{exc.code}] {exc.message}")
            raise
        # it arrived on an earlier try whose answer was lost: the peer has it
        exchange.settle(message_id, "sent", reason="the peer already had it (an answer lost)")
        return exchange.get(message_id)
    finally:
        if exchange.get(message_id).state != "retrying":
            exchange.unschedule(message_id, "send")
            path.unlink(missing_ok=True)


def record_status(svc: Services, sender: str, data: bytes) -> Message:
    """A status message from peer ``sender`` about a package this agency sent: appended to
    its trail in order; one for another agency's package, out of order or already recorded
    is refused."""
    status = parse_status(data)
    if status.sender.organ_id != sender or status.for_organ != own_organ(svc).organ_id:
        raise EdxmlInvalidError("exchange_status_mismatch", "the status names other agencies")
    exchange = store(svc)
    message = exchange.by_document("out", sender, status.for_document_id)
    if message is None:
        raise ExchangeStateError("exchange_status_unknown", "no such package was sent there")
    if status.code in {entry.code for entry in message.trail}:
        raise ExchangeDuplicateError("exchange_duplicate", f"status {status.code} already recorded")
    check_next(message.latest, status.code)
    staff = ", ".join(p for p in (status.staff, status.department) if p)
    exchange.append(
        message.id, TrailEntry(status.code, status.description, status.timestamp, staff, True)
    )
    if status.code is StatusCode.REFUSED and message.state == "sent":  # after a hold
        exchange.settle(message.id, "refused", reason=status.description)
    audit.record(svc, f"exchange:{sender}", "exchange.status_received", message.id,
                 code=status.code.value)  # fmt: skip
    return exchange.get(message.id)


def status_message(
    svc: Services, message: Message, code: StatusCode, description: str, staff: str = ""
) -> StatusMessage:
    return StatusMessage(
        for_organ=message.peer,
        for_document_id=message.document_id,
        for_code=message.notation,
        sender=own_organ(svc),
        code=code,
        description=description,
        timestamp=svc.clock.now(),
        staff=staff,
    )


def update_status(
    svc: Services,
    message_id: str,
    code: StatusCode,
    description: str,
    staff: str,
    *,
    actor: str = "cli",
) -> Message:
    """A status this agency sets on a package it received (assigned, processing, done):
    recorded in the trail, then sent to the sender; a sender that does not take it leaves
    the status recorded as not delivered (the answer says so)."""
    exchange = store(svc)
    message = exchange.get(message_id)
    if message.direction != "in" or message.state != "archived":
        raise ExchangeStateError("exchange_status_illegal", "only an accepted arrival moves on")
    check_next(message.latest, code)
    status = status_message(svc, message, code, description, staff)
    exchange.append(message.id, TrailEntry(code, description, status.timestamp, staff, False))
    audit.record(svc, actor, "exchange.status", message.id, code=code.value)
    peer = exchange.peer(message.peer)
    if peer is None:
        raise ExchangeInputError("exchange_unknown_peer", f"no peer agency {message.peer}")
    try:
        _deliver(svc, peer, message.id, status)
    except KysoError as exc:  # sent again later by api/exchange_retry.py
        exchange.schedule(message.id, "deliver", svc.clock.now(), f"[{exc.code}] {exc.message}")
        raise
    return exchange.get(message.id)


def _deliver(svc: Services, peer: Peer, message_id: str, status: StatusMessage) -> None:
    answer = post_signed(svc, peer, STATUS, build_status(status), "application/xml")
    if answer.status_code != 200:
        raise _peer_error(answer)
    store(svc).mark_delivered(message_id, status.code)


def redeliver(svc: Services, message_id: str) -> Message:
    """Send again, in order and with their own times, the statuses of an arrival its sender
    did not take (it was unreachable); the first that fails again stops the rest."""
    exchange = store(svc)
    message = exchange.get(message_id)
    peer = exchange.peer(message.peer)
    if message.direction != "in" or peer is None:
        raise ExchangeInputError("exchange_bad_request", "not an arrival from a known peer")
    try:
        for entry in message.trail:
            if not entry.delivered:
                status = status_message(svc, message, entry.code, entry.description, entry.staff)
                _deliver(svc, peer, message.id, replace(status, timestamp=entry.at))
    except KysoError as exc:
        exchange.schedule(message.id, "deliver", svc.clock.now(), f"[{exc.code}] {exc.message}")
        raise
    exchange.unschedule(message.id, "deliver")
    return exchange.get(message_id)
