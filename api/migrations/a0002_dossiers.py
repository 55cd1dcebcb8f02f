"""api: one-stop-shop dossiers; an official account's signing certificate

Revision ID: a0002
Revises: a0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a0002"
down_revision = "a0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("api_user") as batch:
        batch.add_column(sa.Column("cert_serial", sa.String(64)))
    op.create_table(
        "api_dossier",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("service", sa.String(256), nullable=False),
        sa.Column("agency", sa.String(256), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("promised_at", TZ, nullable=False),
        sa.Column("returned_at", TZ),
        sa.Column("submission_document", sa.String(64), nullable=False),
        sa.Column("submission_indication", sa.String(32), nullable=False),
        sa.Column("result_document", sa.String(64)),
        sa.Column("handled_by", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("api_dossier")
    with op.batch_alter_table("api_user") as batch:
        batch.drop_column("cert_serial")
