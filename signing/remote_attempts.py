"""The attempt budget of a remote-signing credential, in single SQL statements.

Each statement decides and writes at once (the row is locked by the UPDATE on PostgreSQL, the
database by SQLite's writer lock), so that concurrent approvals cannot both use one one-time
code, nor be counted once for two failures, nor get more tries than ``max_failures``:

- ``reserve`` counts an attempt *before* the PIN is checked (refused when the budget is used
  or the credential locked): a burst of concurrent guesses gets ``max_failures`` checks at most;
- ``claim`` accepts an RFC 6238 time step newer than the last accepted one, once, and clears
  the count;
- ``lock_if_exhausted`` locks the credential when the budget is used, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, Executable, or_, update
from sqlalchemy.orm import Session

from signing.remote_models import ENABLED, CredentialRow


def changed(db: Session, statement: Executable) -> int:
    """Rows an UPDATE or DELETE changed."""
    result = db.execute(statement, execution_options={"synchronize_session": False})
    assert isinstance(result, CursorResult)
    return result.rowcount


def reserve(db: Session, credential_id: str, max_failures: int, now: datetime) -> bool:
    """Count one attempt on an enabled, unlocked credential with budget left."""
    statement = (
        update(CredentialRow)
        .where(
            CredentialRow.credential_id == credential_id,
            CredentialRow.status == ENABLED,
            CredentialRow.failed_attempts < max_failures,
            or_(CredentialRow.locked_until.is_(None), CredentialRow.locked_until <= now),
        )
        .values(failed_attempts=CredentialRow.failed_attempts + 1)
    )
    return changed(db, statement) == 1


def claim(db: Session, credential_id: str, step: int) -> bool:
    """Accept ``step`` if no newer or equal step was accepted before; the count starts again."""
    statement = (
        update(CredentialRow)
        .where(
            CredentialRow.credential_id == credential_id,
            CredentialRow.status == ENABLED,
            CredentialRow.last_otp_step < step,
        )
        .values(last_otp_step=step, failed_attempts=0, locked_until=None)
    )
    return changed(db, statement) == 1


def lock_if_exhausted(db: Session, credential_id: str, max_failures: int, until: datetime) -> bool:
    """Lock once the budget is used; the count starts again for when the lock ends."""
    statement = (
        update(CredentialRow)
        .where(
            CredentialRow.credential_id == credential_id,
            CredentialRow.failed_attempts >= max_failures,
        )
        .values(locked_until=until, failed_attempts=0)
    )
    return changed(db, statement) == 1
