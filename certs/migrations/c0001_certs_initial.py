"""certs: authorities, certificates, enrolments, trust anchors

Revision ID: c0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0001"
down_revision = None
branch_labels = ("certs",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "certs_authority",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("parent", sa.String(32)),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("key_label", sa.String(128), nullable=False),
        sa.Column("cert_der", sa.LargeBinary, nullable=False),
        sa.Column("crl_number", sa.Integer, nullable=False, server_default="0"),
        sa.Column("crl_der", sa.LargeBinary),
        sa.Column("crl_next_update", TZ),
        sa.Column("revocation_epoch", sa.Integer, nullable=False, server_default="0"),
        sa.Column("crl_epoch", sa.Integer, nullable=False, server_default="-1"),
    )
    op.create_table(
        "certs_certificate",
        sa.Column("serial", sa.String(64), primary_key=True),
        sa.Column("issuer", sa.String(32), sa.ForeignKey("certs_authority.name")),
        sa.Column("profile", sa.String(16), nullable=False, index=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("common_name", sa.String(256), nullable=False),
        sa.Column("organization", sa.String(256)),
        sa.Column("cccd", sa.String(12)),
        sa.Column("not_before", TZ, nullable=False),
        sa.Column("not_after", TZ, nullable=False),
        sa.Column("cert_der", sa.LargeBinary, nullable=False),
        sa.Column("key_label", sa.String(128)),
        sa.Column("status", sa.String(16), nullable=False, server_default="good"),
        sa.Column("revoked_at", TZ),
        sa.Column("revocation_reason", sa.String(32)),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_certs_certificate_cccd_status", "certs_certificate", ["cccd", "status"])
    op.create_table(
        "certs_enrolment",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("full_name", sa.String(256), nullable=False),
        sa.Column("cccd", sa.String(12), nullable=False, index=True),
        sa.Column("phone", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ),
        sa.Column("officer", sa.String(128)),
        sa.Column("serial", sa.String(64)),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "certs_trust_anchor",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("cert_der", sa.LargeBinary, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("certs_trust_anchor", "certs_enrolment", "certs_certificate", "certs_authority"):
        op.drop_table(table)
