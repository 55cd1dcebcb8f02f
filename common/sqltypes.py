"""The one column type for moments: stored as UTC, read back aware (UTC) on every database.

SQLAlchemy's ``DateTime(timezone=True)`` on SQLite writes the wall time and drops the offset,
so ``17:00+07:00`` came back as ``17:00`` and was taken for UTC: seven hours off. Every
``DateTime`` column of kyso's tables is a ``UtcDateTime`` (a test walks the tables).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` on PostgreSQL, UTC wall time on SQLite (the same text
    SQLAlchemy wrote there for UTC values before, so existing rows read the same)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # a naive moment is ambiguous: refused here rather than stored some hours off
            raise ValueError(f"a naive datetime cannot be stored: {value.isoformat()}")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
