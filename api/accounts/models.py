"""Account tables (Alembic branch ``api``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.sqltypes import UtcDateTime


class ApiBase(DeclarativeBase):
    pass


class UserRow(ApiBase):
    __tablename__ = "api_user"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: an official's signing certificate (its key in the key store)
    cert_serial: Mapped[str | None] = mapped_column(String(64))


class TokenRow(ApiBase):
    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("api_user.id"))
    kind: Mapped[str] = mapped_column(String(16))  # session | api | apikey
    label: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class DossierRow(ApiBase):
    """A one-stop-shop dossier (hồ sơ): submission, processing, returned result."""

    __tablename__ = "api_dossier"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(256))
    agency: Mapped[str] = mapped_column(String(256))
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # submitted | returned
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    promised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submission_document: Mapped[str] = mapped_column(String(64))
    submission_indication: Mapped[str] = mapped_column(String(32))
    result_document: Mapped[str | None] = mapped_column(String(64))
    handled_by: Mapped[str | None] = mapped_column(String(64))


class NotificationRow(ApiBase):
    """A message for one account, shown in the app (e.g. "your result is ready")."""

    __tablename__ = "api_notification"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String)
    link: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read: Mapped[bool] = mapped_column(Boolean, default=False)
