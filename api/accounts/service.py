"""Accounts: argon2 password hashes, lockout after repeated failures, opaque bearer tokens.

Tokens are random 256-bit strings shown once; only their SHA-256 is stored, so a copy of the
database does not let anyone in. The same mechanism serves API tokens, page sessions and
long-lived API keys for other agencies' systems.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, Engine, Executable, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.accounts.models import TokenRow, UserRow
from common.clock import Clock, SystemClock
from common.errors import AuthenticationError, ConflictError, InputError, NotFoundError
from common.ids import new_id
from common.passwords import BoundedHasher

log = logging.getLogger(__name__)


class Role(StrEnum):
    CITIZEN = "citizen"
    OFFICIAL = "official"  # cán bộ of one agency (also the one-stop-shop officer)
    ARCHIVIST = "archivist"
    AUDITOR = "auditor"
    ADMIN = "admin"
    AGENCY = "agency"  # another agency's system, with an API key


@dataclass(frozen=True)
class User:
    id: str
    username: str
    role: Role
    full_name: str
    agency: str | None


@dataclass(frozen=True)
class AccountPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    token_ttl: timedelta = timedelta(hours=12)
    min_password: int = 10


_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user(row: UserRow) -> User:
    return User(row.id, row.username, Role(row.role), row.full_name, row.agency)


def _changed(db: Session, statement: Executable) -> int:
    result = db.execute(statement, execution_options={"synchronize_session": False})
    assert isinstance(result, CursorResult)
    return result.rowcount


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(
        self, engine: Engine, clock: Clock | None = None, policy: AccountPolicy | None = None
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock or SystemClock()
        self._policy = policy or AccountPolicy()
        self._hasher = BoundedHasher()

    def create_user(
        self,
        username: str,
        password: str,
        role: Role,
        full_name: str,
        agency: str | None = None,
    ) -> User:
        if not _USERNAME.match(username):
            raise InputError("username_invalid", "username: 3-64 of a-z 0-9 . _ -")
        if len(password) < self._policy.min_password:
            raise InputError(
                "password_too_short", f"password needs {self._policy.min_password}+ characters"
            )
        if role is Role.OFFICIAL and not agency:
            raise InputError("agency_required", "an official belongs to an agency")
        row = UserRow(
            id=new_id("usr_").lower(),
            username=username,
            password_hash=self._hasher.hash(password),
            role=role.value,
            agency=agency,
            full_name=full_name,
            created_at=self._clock.now(),
            failed_logins=0,
            active=True,
        )
        with self._sessions() as db:
            db.add(row)
            try:
                db.commit()
            except IntegrityError as exc:
                raise ConflictError("username_taken", f"username {username} is taken") from exc
        return _user(row)

    def authenticate(self, username: str, password: str) -> User:
        """Check a password; five failures in a row lock the account for 15 minutes.

        The attempt is counted in one SQL statement before the password is checked (and not
        while it is: SQLite's writer lock is not held during argon2), so concurrent wrong
        passwords are each counted and get ``max_failures`` checks at most."""
        now = self._clock.now()
        with self._sessions() as db:
            row = db.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None or not row.active:
                self._hasher.hash(password)  # same cost as a real check: no user enumeration
                raise AuthenticationError("login_failed", "wrong username or password")
            if not self._reserve(db, row.id, now):
                self._lock_if_exhausted(db, row.id, now)
                db.commit()
                raise AuthenticationError("account_locked", "too many failures; try again later")
            db.commit()
        try:
            self._hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            with self._sessions() as db:
                self._lock_if_exhausted(db, row.id, now)
                db.commit()
            raise AuthenticationError("login_failed", "wrong username or password") from None
        with self._sessions() as db:
            db.execute(
                update(UserRow)
                .where(UserRow.id == row.id)
                .values(failed_logins=0, locked_until=None),
                execution_options={"synchronize_session": False},
            )
            db.commit()
        return _user(row)

    def _reserve(self, db: Session, user_id: str, now: datetime) -> bool:
        """Count one attempt if the account is not locked and has attempts left."""
        statement = (
            update(UserRow)
            .where(
                UserRow.id == user_id,
                UserRow.failed_logins < self._policy.max_failures,
                or_(UserRow.locked_until.is_(None), UserRow.locked_until <= now),
            )
            .values(failed_logins=UserRow.failed_logins + 1)
        )
        return _changed(db, statement) == 1

    def _lock_if_exhausted(self, db: Session, user_id: str, now: datetime) -> None:
        statement = (
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.failed_logins >= self._policy.max_failures)
            .values(locked_until=now + self._policy.lockout, failed_logins=0)
        )
        if _changed(db, statement):
            log.warning("account %s locked after repeated failures", user_id)

    def issue_token(
        self, user: User, kind: str = "api", label: str | None = None, ttl: timedelta | None = None
    ) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        expires = None if kind == "apikey" else now + (ttl or self._policy.token_ttl)
        with self._sessions() as db:
            db.add(
                TokenRow(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    kind=kind,
                    label=label,
                    created_at=now,
                    expires_at=expires,
                    revoked=False,
                )
            )
            db.commit()
        return token

    def resolve(self, token: str) -> User:
        """The user a bearer token or session belongs to, if it is valid now."""
        with self._sessions() as db:
            row = db.get(TokenRow, token_hash(token))
            expires = _utc(row.expires_at) if row else None
            if row is None or row.revoked or (expires is not None and expires <= self._clock.now()):
                raise AuthenticationError("token_invalid", "missing, expired or revoked token")
            user = db.get(UserRow, row.user_id)
            if user is None or not user.active:
                raise AuthenticationError("token_invalid", "missing, expired or revoked token")
            return _user(user)

    def revoke_token(self, token: str) -> None:
        with self._sessions() as db:
            row = db.get(TokenRow, token_hash(token))
            if row is not None:
                row.revoked = True
                db.commit()

    def bind_certificate(self, username: str, serial: str) -> None:
        """Record the signing certificate an official signs results with."""
        with self._sessions() as db:
            row = db.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFoundError("user_unknown", f"no user {username}")
            row.cert_serial = serial
            db.commit()

    def certificate_of(self, username: str) -> str | None:
        with self._sessions() as db:
            row = db.scalars(select(UserRow).where(UserRow.username == username)).first()
            return row.cert_serial if row is not None else None

    def by_username(self, username: str) -> User:
        with self._sessions() as db:
            row = db.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFoundError("user_unknown", f"no user {username}")
            return _user(row)

    def get(self, user_id: str) -> User:
        with self._sessions() as db:
            row = db.get(UserRow, user_id)
            if row is None:
                raise NotFoundError("user_unknown", f"no user {user_id}")
            return _user(row)
