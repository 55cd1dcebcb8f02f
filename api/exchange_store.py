"""The exchange's records in SQL (tables of api/exchange_models.py) and the peers' secrets.

A peer's MAC secret lives in ``$KYSO_DATA_DIR/secrets/exchange/<code>.key`` (0600, folder
0700), never in the database, logs or answers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.exchange_models import MessageRow, PeerRow, RetryRow, StatusRow
from api.files import open_private, private_dir
from certs.records import utc
from onestop.exchange.errors import (
    ExchangeDuplicateError,
    ExchangeInputError,
    ExchangeNotFoundError,
)
from onestop.exchange.model import StatusCode

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,63}$")
MIN_SECRET = 32
BACKOFF_FIRST, BACKOFF_MAX = timedelta(minutes=1), timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed tries: 1, 2, 4 ... minutes, at most an hour."""
    wait: timedelta = BACKOFF_FIRST * (2 ** min(max(attempts - 1, 0), 10))
    return min(wait, BACKOFF_MAX)


@dataclass(frozen=True)
class Peer:
    code: str
    name: str
    url: str


@dataclass(frozen=True)
class TrailEntry:
    code: StatusCode
    description: str
    at: datetime
    staff: str
    delivered: bool


@dataclass(frozen=True)
class Message:
    id: str
    direction: str
    peer: str
    document_id: str
    package_sha256: str
    notation: str
    subject: str
    state: str
    reason: str | None
    documents: tuple[str, ...]
    archive_dossier: str | None
    actor: str
    created_at: datetime
    trail: tuple[TrailEntry, ...] = ()

    @property
    def latest(self) -> StatusCode | None:
        return self.trail[-1].code if self.trail else None


def check_code(code: str) -> str:
    if not _CODE.match(code):
        raise ExchangeInputError("exchange_bad_agency_code", f"not an agency code: {code!r}")
    return code


class ExchangeStore:
    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self._engine = engine
        self._secrets = data_dir / "secrets" / "exchange"

    # peers
    def add_peer(self, peer: Peer, secret: bytes, now: datetime) -> None:
        check_code(peer.code)
        if len(secret) < MIN_SECRET:
            raise ExchangeInputError("exchange_weak_secret", f"at least {MIN_SECRET} bytes")
        private_dir(self._secrets)
        path = self._secrets / f"{peer.code}.key"
        fd = open_private(path, exclusive=False)
        with os.fdopen(fd, "wb") as out:
            out.truncate(0)
            out.write(secret)
        with Session(self._engine) as db:
            row = db.get(PeerRow, peer.code) or PeerRow(code=peer.code, created_at=now)
            row.name, row.url = peer.name, peer.url.rstrip("/")
            db.add(row)
            db.commit()

    def peer(self, code: str) -> Peer | None:
        with Session(self._engine) as db:
            row = db.get(PeerRow, code)
            return Peer(row.code, row.name, row.url) if row is not None else None

    def peers(self) -> list[Peer]:
        with Session(self._engine) as db:
            rows = db.scalars(select(PeerRow).order_by(PeerRow.code))
            return [Peer(r.code, r.name, r.url) for r in rows]

    def secret(self, code: str) -> bytes | None:
        path = self._secrets / f"{check_code(code)}.key"
        return path.read_bytes() if path.exists() else None

    # messages
    def add(self, message: Message) -> None:
        """Record a new message; the same document id from a peer, or the same package bytes
        in the same direction, is refused (``exchange_duplicate``) and nothing is stored."""
        row = MessageRow(
            id=message.id,
            direction=message.direction,
            peer=message.peer,
            document_id=message.document_id,
            package_sha256=message.package_sha256,
            notation=message.notation,
            subject=message.subject,
            state=message.state,
            reason=message.reason,
            documents=",".join(message.documents),
            archive_dossier=message.archive_dossier,
            actor=message.actor,
            created_at=message.created_at,
        )
        with Session(self._engine) as db:
            db.add(row)
            try:
                db.commit()
            except IntegrityError:
                raise ExchangeDuplicateError(
                    "exchange_duplicate", "this package was already received (a replay)"
                ) from None

    def seen(self, direction: str, peer: str, document_id: str, digest: str) -> list[Message]:
        """The messages with that document id from ``peer``, or with those package bytes."""
        stmt = select(MessageRow).where(
            MessageRow.direction == direction,
            ((MessageRow.peer == peer) & (MessageRow.document_id == document_id))
            | (MessageRow.package_sha256 == digest),
        )
        with Session(self._engine) as db:
            return [self._message(db, row) for row in db.scalars(stmt)]

    def forget(self, message_id: str) -> None:
        """Remove a message, its trail and its retries (an arrival that failed: its sender
        was told so and may send it again)."""
        with Session(self._engine) as db:
            db.execute(delete(RetryRow).where(RetryRow.message_id == message_id))
            db.execute(delete(StatusRow).where(StatusRow.message_id == message_id))
            db.execute(delete(MessageRow).where(MessageRow.id == message_id))
            db.commit()

    # retries
    def schedule(self, message_id: str, kind: str, now: datetime, error: str) -> int:
        """Record one more failed try of ``kind``: the next is due after ``backoff``."""
        with Session(self._engine) as db:
            row = db.get(RetryRow, (message_id, kind))
            if row is None:
                row = RetryRow(message_id=message_id, kind=kind, attempts=0)
            row.attempts += 1
            row.next_at, row.last_error = now + backoff(row.attempts), error[:2000]
            db.add(row)
            db.commit()
            return row.attempts

    def unschedule(self, message_id: str, kind: str) -> None:
        stmt = delete(RetryRow).where(RetryRow.message_id == message_id, RetryRow.kind == kind)
        with Session(self._engine) as db:
            db.execute(stmt)
            db.commit()

    def due(self, now: datetime, limit: int = 50) -> list[tuple[str, str]]:
        """(message id, kind) of the retries due at ``now``, oldest first."""
        stmt = select(RetryRow.message_id, RetryRow.kind).where(RetryRow.next_at <= now)
        with Session(self._engine) as db:
            rows = db.execute(stmt.order_by(RetryRow.next_at).limit(limit)).all()
            return [(str(m), str(k)) for m, k in rows]

    def settle(
        self,
        message_id: str,
        state: str,
        *,
        reason: str | None = None,
        documents: tuple[str, ...] | None = None,
        archive_dossier: str | None = None,
    ) -> None:
        values: dict[str, object] = {"state": state, "reason": reason}
        if documents is not None:
            values["documents"] = ",".join(documents)
        if archive_dossier is not None:
            values["archive_dossier"] = archive_dossier
        with Session(self._engine) as db:
            db.execute(update(MessageRow).where(MessageRow.id == message_id).values(**values))
            db.commit()

    def append(self, message_id: str, entry: TrailEntry) -> None:
        """Add a status to the trail; one already there is ``exchange_duplicate``."""
        with Session(self._engine) as db:
            db.add(
                StatusRow(
                    message_id=message_id,
                    code=entry.code.value,
                    description=entry.description,
                    at=entry.at,
                    staff=entry.staff,
                    delivered=entry.delivered,
                )
            )
            try:
                db.commit()
            except IntegrityError:
                raise ExchangeDuplicateError(
                    "exchange_duplicate", f"status {entry.code.value} is already recorded"
                ) from None

    def mark_delivered(self, message_id: str, code: StatusCode) -> None:
        stmt = (
            update(StatusRow)
            .where(StatusRow.message_id == message_id, StatusRow.code == code.value)
            .values(delivered=True)
        )
        with Session(self._engine) as db:
            db.execute(stmt)
            db.commit()

    def get(self, message_id: str) -> Message:
        with Session(self._engine) as db:
            row = db.get(MessageRow, message_id)
            if row is None:
                raise ExchangeNotFoundError("exchange_unknown", f"no message {message_id}")
            return self._message(db, row)

    def by_document(self, direction: str, peer: str, document_id: str) -> Message | None:
        stmt = select(MessageRow).where(
            MessageRow.direction == direction,
            MessageRow.peer == peer,
            MessageRow.document_id == document_id,
        )
        with Session(self._engine) as db:
            row = db.scalars(stmt).first()
            return self._message(db, row) if row is not None else None

    def messages(self, direction: str | None = None, limit: int = 200) -> list[Message]:
        stmt = select(MessageRow).order_by(MessageRow.created_at.desc()).limit(limit)
        if direction is not None:
            stmt = stmt.where(MessageRow.direction == direction)
        with Session(self._engine) as db:
            return [self._message(db, r) for r in db.scalars(stmt)]

    @staticmethod
    def _message(db: Session, row: MessageRow) -> Message:
        statuses = db.scalars(
            select(StatusRow).where(StatusRow.message_id == row.id).order_by(StatusRow.seq)
        )
        trail = tuple(
            TrailEntry(StatusCode(s.code), s.description, utc(s.at), s.staff, s.delivered)
            for s in statuses
        )
        return Message(
            id=row.id,
            direction=row.direction,
            peer=row.peer,
            document_id=row.document_id,
            package_sha256=row.package_sha256,
            notation=row.notation,
            subject=row.subject,
            state=row.state,
            reason=row.reason,
            documents=tuple(d for d in row.documents.split(",") if d),
            archive_dossier=row.archive_dossier,
            actor=row.actor,
            created_at=utc(row.created_at),
            trail=trail,
        )
