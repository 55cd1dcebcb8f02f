"""api: the exchange's retries (held arrivals re-verified, undelivered statuses sent again)

Revision ID: a0007
Revises: a0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a0007"
down_revision = "a0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_exchange_retry",
        sa.Column(
            "message_id",
            sa.String(40),
            sa.ForeignKey("api_exchange_message.id"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", TZ, nullable=False, index=True),
        sa.Column("last_error", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_exchange_retry")
