"""api: inter-agency exchange (peers, messages, status trails)

Revision ID: a0005
Revises: a0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a0005"
down_revision = "a0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_exchange_peer",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("url", sa.String(512), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "api_exchange_message",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("peer", sa.String(64), nullable=False, index=True),
        sa.Column("document_id", sa.String(255), nullable=False),
        sa.Column("package_sha256", sa.String(64), nullable=False),
        sa.Column("notation", sa.String(255), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("documents", sa.Text, nullable=False, server_default=""),
        sa.Column("archive_dossier", sa.String(100)),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("direction", "peer", "document_id", name="uq_exchange_document"),
        sa.UniqueConstraint("direction", "package_sha256", name="uq_exchange_package"),
    )
    op.create_table(
        "api_exchange_status",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "message_id",
            sa.String(40),
            sa.ForeignKey("api_exchange_message.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("code", sa.String(2), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("staff", sa.String(256), nullable=False, server_default=""),
        sa.Column("delivered", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("message_id", "code", name="uq_exchange_status"),
    )


def downgrade() -> None:
    op.drop_table("api_exchange_status")
    op.drop_table("api_exchange_message")
    op.drop_table("api_exchange_peer")
