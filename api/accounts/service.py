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
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

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
        """Check a password; five failures in a row lock the account for 15 minutes."""
        now = self._clock.now()
        with self._sessions() as db:
            row = db.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None or not row.active:
                self._hasher.hash(password)  # same cost as a real check: no user enumeration
                raise AuthenticationError("login_failed", "wrong username or password")
            locked = _utc(row.locked_until)
            if locked is not None and locked > now:
                raise AuthenticationError("account_locked", "too many failures; try again later")
            try:
                self._hasher.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                row.failed_logins += 1
                if row.failed_logins >= self._policy.max_failures:
                    row.locked_until, row.failed_logins = now + self._policy.lockout, 0
                    log.warning("account %s locked after repeated failures", row.id)
                db.commit()
                raise AuthenticationError("login_failed", "wrong username or password") from None
            row.failed_logins, row.locked_until = 0, None
            db.commit()
            return _user(row)

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
