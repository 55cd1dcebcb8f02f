"""Receiving a package from a peer agency (``POST /api/v1/exchange/inbox``).

Order, and what each refusal leaves: the request's MAC (unknown peer, wrong MAC, stale date:
401, nothing stored) -> the package parsed safely and checked against kyso's schema (400,
nothing stored) -> the header names the authenticated peer and this agency -> its id and
bytes are new (a duplicate or a replay: 409 ``exchange_duplicate``, nothing stored twice) ->
recorded with status 01 -> every attachment a PDF whose signatures verify TOTAL_PASSED in the
bounded PDF workers (else status 02 with the reason, and nothing archived) -> the package XML
and each PDF archived with their metadata -> status 03. The answer carries the statuses as
edXML status messages, which the sender records in its trail.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from api import audit
from api.exchange import new_message_id, own_organ, status_message, store
from api.exchange_store import ExchangeStore, Message, TrailEntry
from api.files import private_dir
from archive.metadata import DocumentMeta, DossierMeta
from onestop.exchange import auth
from onestop.exchange.edxml import parse_package
from onestop.exchange.errors import ExchangeAuthError, ExchangeDuplicateError, ExchangeInputError
from onestop.exchange.model import Attachment, Package, StatusCode
from onestop.exchange.status import build_status

if TYPE_CHECKING:
    from api.wiring import Services

PDF = "application/pdf"


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
    return creds.sender


def _verdict(svc: Services, item: Attachment) -> str | None:
    """Why ``item`` is refused (None: a PDF whose every signature passed)."""
    if item.content_type != PDF or not item.data.startswith(b"%PDF-"):
        return f"{item.name}: not a signed PDF"
    folder = private_dir(svc.settings.data_dir / "tmp")
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".pdf") as handle:
        handle.write(item.data)
        handle.flush()
        report = svc.verify_file(Path(handle.name), online=True)
    if not report.signatures:
        return f"{item.name}: no signature"
    if report.passed:
        return None
    sub = f"/{report.sub_indication.value}" if report.sub_indication else ""
    return f"{item.name}: chữ ký không hợp lệ / signature {report.indication.value}{sub}"


def _archive(svc: Services, message: Message, package: Package, body: bytes) -> list[str]:
    h = package.header
    code = f"LT-{message.id}"
    actor = f"exchange:{h.sender.organ_id}"
    svc.catalog.create_dossier(DossierMeta(code, f"Liên thông: {h.subject}"[:500]), actor=actor)
    notation = f"{h.code_number}/{h.code_notation}"
    common = {
        "number_notation": notation,
        "issue_date": h.promulgation_date,
        "issuing_body": h.sender.organ_name,
        "document_type": h.document_type,
        "identifier": h.document_id,
    }
    stored = svc.archive.put(
        io.BytesIO(body), dossier_code=code, media_type="application/xml", actor=actor,
        meta=DocumentMeta(title=f"Gói edXML {notation}", summary=h.subject, **common),  # type: ignore[arg-type]
    )  # fmt: skip
    ids = [stored.document_id]
    for item in package.attachments:
        meta = DocumentMeta(title=h.subject, summary=h.content or item.name, **common)  # type: ignore[arg-type]
        put = svc.archive.put(
            io.BytesIO(item.data), dossier_code=code, meta=meta, kind="signed",
            media_type=PDF, actor=actor,
        )  # fmt: skip
        ids.append(put.document_id)
    return ids


def _status(
    svc: Services, exchange: ExchangeStore, message: Message, code: StatusCode, text: str
) -> bytes:
    status = status_message(svc, message, code, text)
    exchange.append(message.id, TrailEntry(code, text, status.timestamp, "", True))
    return build_status(status)


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
    if exchange.seen("in", sender, h.document_id, digest):
        raise ExchangeDuplicateError("exchange_duplicate", "this package was already received")
    message = Message(
        id=new_message_id(), direction="in", peer=sender, document_id=h.document_id,
        package_sha256=digest, notation=f"{h.code_number}/{h.code_notation}",
        subject=h.subject, state="received", reason=None, documents=(), archive_dossier=None,
        actor=f"exchange:{sender}", created_at=svc.clock.now(),
    )  # fmt: skip
    exchange.add(message)  # two copies at once: one is refused here by the unique keys
    statuses = [_status(svc, exchange, message, StatusCode.RECEIVED, "Đã đến / received")]
    reasons = [r for r in (_verdict(svc, item) for item in package.attachments) if r]
    if reasons:
        text = "Từ chối / refused: " + "; ".join(reasons)
        statuses.append(_status(svc, exchange, message, StatusCode.REFUSED, text))
        exchange.settle(message.id, "refused", reason=text)
    else:
        try:
            ids = _archive(svc, message, package, body)
        except BaseException:
            # what the archive took stays there (it keeps originals); the message says so
            exchange.settle(message.id, "failed", reason="archiving failed: see the server log")
            raise
        exchange.settle(message.id, "archived", documents=tuple(ids),
                        archive_dossier=f"LT-{message.id}")  # fmt: skip
        text = "Đã tiếp nhận / accepted"
        statuses.append(_status(svc, exchange, message, StatusCode.ACCEPTED, text))
    arrived = exchange.get(message.id)
    audit.record(svc, message.actor, "exchange.received", message.id, state=arrived.state,
                 document_id=h.document_id, documents=list(arrived.documents))  # fmt: skip
    return Arrival(arrived, tuple(statuses))
