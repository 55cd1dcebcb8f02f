"""Rows of remote signing: the approval record, and one credential taking over from another."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signing.errors import SigningConflictError, SigningInputError, SigningNotFoundError
from signing.remote_attempts import changed
from signing.remote_models import ENABLED, ActivationRow, ApprovalRow, CredentialRow


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hexes(values: Sequence[bytes]) -> str:
    return json.dumps([v.hex() for v in values])


def check_pin(pin: str) -> None:
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise SigningInputError("pin_weak", "the PIN must be 6 to 12 digits")


def exists_error() -> SigningConflictError:
    return SigningConflictError(
        "credential_exists",
        "this certificate already has a remote-signing credential: replace it with its PIN and "
        "a one-time code, or at the one-stop-shop desk",
    )


def unknown_error() -> SigningNotFoundError:
    return SigningNotFoundError("credential_unknown", "no such remote-signing credential")


def record(
    db: Session,
    at: datetime,
    credential_id: str,
    event: str,
    reason: str | None,
    hashes: Sequence[bytes] = (),
) -> None:
    """One row of ``signing_approval``: every approval, refusal, lockout, signature, enrolment
    and replacement (``reason`` says why a refusal was one; the caller never sees it)."""
    db.add(
        ApprovalRow(
            credential_id=credential_id,
            event=event,
            reason=reason,
            hashes=hexes(hashes),
            at=at,
        )
    )


def enabled_for(db: Session, cert_serial: str) -> str | None:
    """The certificate's enabled credential, if it has one."""
    stmt = select(CredentialRow.credential_id).where(
        CredentialRow.cert_serial == cert_serial, CredentialRow.status == ENABLED
    )
    return db.scalars(stmt).first()


def swap(db: Session, at: datetime, old_id: str, new: CredentialRow, via: str) -> None:
    """``new`` takes over from ``old_id``; the old one's approvals (SADs) go in the same
    transaction, so it stops working at once."""
    retired = (
        update(CredentialRow)
        .where(CredentialRow.credential_id == old_id, CredentialRow.status == ENABLED)
        .values(status="replaced", replaced_by=new.credential_id)
    )
    if changed(db, retired) != 1:
        raise SigningConflictError("credential_replaced", "this credential was replaced meanwhile")
    db.execute(delete(ActivationRow).where(ActivationRow.credential_id == old_id))
    db.add(new)
    record(db, at, old_id, "replaced", via)
    record(db, at, new.credential_id, "enrolled", via)


def commit_new(db: Session) -> None:
    """Commit; a second enabled credential for a certificate is refused by the database
    (``uq_signing_credential_enabled_serial``), whoever raced to make it."""
    try:
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise exists_error() from exc
