"""api: the agencies' document registers (numbers per agency, document type and year)

Revision ID: a0006
Revises: a0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a0006"
down_revision = "a0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _key() -> tuple[sa.Column[str], sa.Column[str], sa.Column[int]]:
    """One register: agency, document type (QĐ, GCN, GXN, CV ...), year."""
    return (
        sa.Column("agency", sa.String(256), primary_key=True),
        sa.Column("doc_type", sa.String(16), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
    )


def upgrade() -> None:
    op.create_table(
        "api_number_counter",
        *_key(),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "api_result_number",
        *_key(),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("token", sa.String(40)),
        sa.Column("dossier_code", sa.String(32)),
        sa.Column("document_id", sa.String(64)),
        sa.Column("reserved_at", TZ),
        sa.Column("issued_at", TZ),
    )


def downgrade() -> None:
    op.drop_table("api_result_number")
    op.drop_table("api_number_counter")
