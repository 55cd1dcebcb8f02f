"""The agencies' document registers (``onestop.numbering.NumberRegister``) in SQL, beside the
dossiers, so a number is issued in the same transaction as the dossier's return.

Two tables (migration ``a0006``): ``api_number_counter`` holds the last number handed out per
register, ``api_result_number`` one row per number (reserved, issued or free). A reservation
first writes the register's counter row (an insert that does nothing when it exists, then an
update of it): on PostgreSQL that row lock, on SQLite the database's write lock, serialises the
reservations of one register, so no two get the same number and none is skipped, without
retries. The lowest free number (given back, or its reservation's lease over) goes first.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, String, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from api.accounts.models import ApiBase
from api.dossiers import compare_and_set
from certs.records import utc
from common.sqltypes import UtcDateTime
from onestop.model import Dossier
from onestop.numbering import (
    LEASE,
    NumberReservationLostError,
    RegisterEntry,
    RegisterKey,
    Reservation,
)

RESERVED, ISSUED, FREE = "reserved", "issued", "free"


class NumberCounterRow(ApiBase):
    __tablename__ = "api_number_counter"

    agency: Mapped[str] = mapped_column(String(256), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class ResultNumberRow(ApiBase):
    __tablename__ = "api_result_number"

    agency: Mapped[str] = mapped_column(String(256), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    token: Mapped[str | None] = mapped_column(String(40))
    dossier_code: Mapped[str | None] = mapped_column(String(32))
    document_id: Mapped[str | None] = mapped_column(String(64))
    reserved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def _of(row: type[NumberCounterRow | ResultNumberRow], key: RegisterKey) -> ColumnElement[bool]:
    return and_(row.agency == key.agency, row.doc_type == key.doc_type, row.year == key.year)


def _held(reservation: Reservation) -> ColumnElement[bool]:
    return and_(
        _of(ResultNumberRow, reservation.key),
        ResultNumberRow.number == reservation.number,
        ResultNumberRow.state == RESERVED,
        ResultNumberRow.token == reservation.token,
    )


class _DossierChanged(Exception):
    """Another writer returned the dossier first: the transaction rolls back."""


class SqlNumberRegister:
    def __init__(self, sessions: sessionmaker) -> None:  # type: ignore[type-arg]
        self._sessions = sessions

    def _lock(self, db: Session, key: RegisterKey) -> int:
        """Take the register's lock (its counter row, made on first use); its last number."""
        values = {"agency": key.agency, "doc_type": key.doc_type, "year": key.year, "last": 0}
        dialect = db.get_bind().dialect.name
        make = pg_insert if dialect == "postgresql" else sqlite_insert
        db.execute(make(NumberCounterRow).values(**values).on_conflict_do_nothing())
        # a write of the row: its lock (PostgreSQL), the write lock (SQLite) until commit
        db.execute(
            update(NumberCounterRow)
            .where(_of(NumberCounterRow, key))
            .values(last=NumberCounterRow.last)
        )
        last = db.scalar(select(NumberCounterRow.last).where(_of(NumberCounterRow, key)))
        assert last is not None
        return int(last)

    def reserve(self, key: RegisterKey, dossier_code: str, now: datetime) -> Reservation:
        token = secrets.token_hex(16)
        held = {"state": RESERVED, "token": token, "dossier_code": dossier_code}
        with self._sessions() as db, db.begin():
            last = self._lock(db, key)
            reusable = or_(
                ResultNumberRow.state == FREE,
                and_(ResultNumberRow.state == RESERVED, ResultNumberRow.reserved_at < now - LEASE),
            )
            for free in db.scalars(
                select(ResultNumberRow.number)
                .where(_of(ResultNumberRow, key), reusable)
                .order_by(ResultNumberRow.number)
                .limit(3)
            ).all():
                # the condition again: a late holder may issue its number meanwhile
                if db.execute(
                    update(ResultNumberRow)
                    .where(_of(ResultNumberRow, key), ResultNumberRow.number == free, reusable)
                    .values(**held, reserved_at=now, document_id=None, issued_at=None)
                ).rowcount:
                    return Reservation(key, int(free), token)
            number = last + 1
            db.execute(
                update(NumberCounterRow).where(_of(NumberCounterRow, key)).values(last=number)
            )
            db.add(
                ResultNumberRow(
                    agency=key.agency,
                    doc_type=key.doc_type,
                    year=key.year,
                    number=number,
                    reserved_at=now,
                    **held,
                )
            )
        return Reservation(key, number, token)

    def release(self, reservation: Reservation) -> None:
        with self._sessions() as db, db.begin():
            db.execute(
                update(ResultNumberRow)
                .where(_held(reservation))
                .values(state=FREE, token=None, dossier_code=None, reserved_at=None)
            )

    def issue(
        self, reservation: Reservation, before: Dossier, after: Dossier, now: datetime
    ) -> bool:
        try:
            self._issue(reservation, before, after, now)
        except _DossierChanged:
            return False  # rolled back: the number stays reserved, the caller releases it
        return True

    def _issue(
        self, reservation: Reservation, before: Dossier, after: Dossier, now: datetime
    ) -> None:
        with self._sessions() as db, db.begin():
            taken = db.execute(
                update(ResultNumberRow)
                .where(_held(reservation))
                .values(state=ISSUED, token=None, document_id=after.result_document, issued_at=now)
            ).rowcount
            if taken != 1:
                raise NumberReservationLostError(
                    "number_reservation_lost",
                    f"number {reservation.number} was held too long and given to another result",
                )
            if db.execute(compare_and_set(before, after)).rowcount != 1:
                raise _DossierChanged

    def entries(self, key: RegisterKey) -> list[RegisterEntry]:
        with self._sessions() as db:
            rows = db.scalars(
                select(ResultNumberRow)
                .where(_of(ResultNumberRow, key))
                .order_by(ResultNumberRow.number)
            )
            return [_entry(r) for r in rows]

    def issued_as(self, document_id: str) -> tuple[RegisterKey, RegisterEntry] | None:
        """The register line that issued ``document_id`` (None: not a numbered result)."""
        with self._sessions() as db:
            row = db.scalars(
                select(ResultNumberRow).where(
                    ResultNumberRow.document_id == document_id, ResultNumberRow.state == ISSUED
                )
            ).first()
            if row is None:
                return None
            return RegisterKey(row.agency, row.doc_type, row.year), _entry(row)

    def issued_number(self, key: RegisterKey, number: int) -> RegisterEntry | None:
        """The result issued under ``number`` in ``key``'s register, if one was."""
        with self._sessions() as db:
            row = db.scalars(
                select(ResultNumberRow).where(
                    _of(ResultNumberRow, key),
                    ResultNumberRow.number == number,
                    ResultNumberRow.state == ISSUED,
                )
            ).first()
            return _entry(row) if row is not None else None


def _entry(row: ResultNumberRow) -> RegisterEntry:
    return RegisterEntry(
        number=row.number,
        state=row.state,
        dossier_code=row.dossier_code,
        document_id=row.document_id,
        issued_at=utc(row.issued_at) if row.issued_at else None,
    )
