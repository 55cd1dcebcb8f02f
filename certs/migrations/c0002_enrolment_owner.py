"""certs: who asked for an enrolment (an account name; opaque to the PKI)

Revision ID: c0002
Revises: c0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certs_enrolment") as batch:
        batch.add_column(sa.Column("owner", sa.String(128)))


def downgrade() -> None:
    with op.batch_alter_table("certs_enrolment") as batch:
        batch.drop_column("owner")
