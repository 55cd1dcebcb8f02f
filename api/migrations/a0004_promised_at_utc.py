"""api: dossiers' promised time in UTC on SQLite

SQLite kept the Vietnam wall time of ``promised_at`` (17:00+07:00 stored as 17:00, read back as
17:00Z). Every promise is set at 17:00 Vietnam time, so such rows become 10:00 UTC; PostgreSQL
kept the offset (timestamptz) and is left alone.

Revision ID: a0004
Revises: a0003
"""

from __future__ import annotations

from alembic import op

revision = "a0004"
down_revision = "a0003"
branch_labels = None
depends_on = None

#: SQLAlchemy's text for a SQLite DATETIME: "YYYY-MM-DD HH:MM:SS.ffffff"
_SHIFT = (
    "UPDATE api_dossier SET promised_at = datetime(promised_at, '{delta}') || '.000000' "
    "WHERE strftime('%H:%M:%S', promised_at) = '{at}'"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_SHIFT.format(delta="-7 hours", at="17:00:00"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_SHIFT.format(delta="+7 hours", at="10:00:00"))
