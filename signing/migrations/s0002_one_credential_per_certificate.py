"""signing: one enabled credential per certificate (issue 19: re-enrolment bypassed PIN + code)

Existing duplicates (made before this revision by enrolling a certificate again) are resolved
by keeping the oldest credential of each certificate enabled and disabling the others; their
outstanding approvals (SADs) are deleted and a ``disabled`` event is recorded for each.

Revision ID: s0002
Revises: s0001
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None

INDEX = "uq_signing_credential_enabled_serial"
ENABLED_ONLY = sa.text("status = 'enabled'")

credential = sa.table(
    "signing_credential",
    sa.column("credential_id", sa.String),
    sa.column("cert_serial", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("status", sa.String),
)
activation = sa.table("signing_activation", sa.column("credential_id", sa.String))
approval = sa.table(
    "signing_approval",
    sa.column("credential_id", sa.String),
    sa.column("event", sa.String),
    sa.column("reason", sa.String),
    sa.column("hashes", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.add_column(
        "signing_credential",
        sa.Column("status", sa.String(16), nullable=False, server_default="enabled"),
    )
    op.add_column("signing_credential", sa.Column("replaced_by", sa.String(40)))
    older = credential.alias("older")
    has_older = (
        sa.select(older.c.credential_id)
        .where(
            older.c.cert_serial == credential.c.cert_serial,
            sa.or_(
                older.c.created_at < credential.c.created_at,
                sa.and_(
                    older.c.created_at == credential.c.created_at,
                    older.c.credential_id < credential.c.credential_id,
                ),
            ),
        )
        .exists()
    )
    bind = op.get_bind()
    duplicates = [
        row[0] for row in bind.execute(sa.select(credential.c.credential_id).where(has_older))
    ]
    if duplicates:
        at = datetime.now(UTC)
        bind.execute(
            sa.update(credential)
            .where(credential.c.credential_id.in_(duplicates))
            .values(status="disabled")
        )
        bind.execute(sa.delete(activation).where(activation.c.credential_id.in_(duplicates)))
        bind.execute(
            sa.insert(approval),
            [
                {
                    "credential_id": found,
                    "event": "disabled",
                    "reason": "duplicate_of_older_credential",
                    "hashes": "[]",
                    "at": at,
                }
                for found in duplicates
            ],
        )
    op.create_index(
        INDEX,
        "signing_credential",
        ["cert_serial"],
        unique=True,
        sqlite_where=ENABLED_ONLY,
        postgresql_where=ENABLED_ONLY,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="signing_credential")
    op.drop_column("signing_credential", "replaced_by")
    op.drop_column("signing_credential", "status")
