"""signing: remote-signing credentials, activations (SAD) and approvals

Revision ID: s0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = ("signing",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "signing_credential",
        sa.Column("credential_id", sa.String(40), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False, index=True),
        sa.Column("cert_serial", sa.String(64), nullable=False),
        sa.Column("key_label", sa.String(128), nullable=False),
        sa.Column("pin_hash", sa.String(256), nullable=False),
        sa.Column("totp_secret", sa.String(128), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", TZ),
        sa.Column("last_otp_step", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "signing_activation",
        sa.Column("sad_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "credential_id",
            sa.String(40),
            sa.ForeignKey("signing_credential.credential_id"),
            nullable=False,
            index=True,
        ),
        sa.Column("digest_algorithm", sa.String(16), nullable=False),
        sa.Column("hashes", sa.Text, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "signing_approval",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("credential_id", sa.String(40), nullable=False, index=True),
        sa.Column("event", sa.String(24), nullable=False),
        sa.Column("reason", sa.String(64)),
        sa.Column("hashes", sa.Text, nullable=False, server_default="[]"),
        sa.Column("at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signing_approval")
    op.drop_table("signing_activation")
    op.drop_table("signing_credential")
