"""archive: catalog, pending ingests, audit chain, fixity runs, disposals, search index

Revision ID: archive_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "archive_0001"
down_revision = None
branch_labels = ("archive",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "archive_fonds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(100), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(
        "archive_dossiers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fonds_id", sa.Integer, sa.ForeignKey("archive_fonds.id"), nullable=True),
        sa.Column("code", sa.String(100), nullable=False, unique=True),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("retention", sa.String(20), nullable=False),
        sa.Column("access_level", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "archive_documents",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("dossier_id", sa.Integer, sa.ForeignKey("archive_dossiers.id"), nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("document_type", sa.String(100), nullable=False),
        sa.Column("issue_date", sa.Date, nullable=True),
        sa.Column("retention", sa.String(20), nullable=False),
        sa.Column("access_level", sa.String(20), nullable=False),
        sa.Column("access_rank", sa.Integer, nullable=False),
        sa.Column("legal_hold", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("disposed_at", TS, nullable=True),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_index("ix_archive_documents_dossier", "archive_documents", ["dossier_id"])
    op.create_table(
        "archive_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "document_id", sa.String(40), sa.ForeignKey("archive_documents.id"), nullable=False
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("storage_key", sa.String(400), nullable=False),
        sa.Column("storage_version_id", sa.String(200), nullable=False),
        sa.Column("retain_until", TS, nullable=True),
        sa.Column("signature", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("document_id", "number", name="uq_archive_versions_doc_number"),
    )
    op.create_index("ix_archive_versions_sha256", "archive_versions", ["sha256"])
    op.create_table(
        "archive_pending_ingests",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("started_at", TS, nullable=False),
    )
    head = op.create_table(
        "archive_audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "entry_hash": "0" * 64}])
    op.create_table(
        "archive_audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "archive_audit_anchors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("token", sa.LargeBinary, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "archive_fixity_runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("sample", sa.Float, nullable=False),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("checked", sa.Integer, nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
    )
    op.create_table(
        "archive_disposals",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "document_id", sa.String(40), sa.ForeignKey("archive_documents.id"), nullable=False
        ),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", TS, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
    )
    # Search: the folded text (archive/text.py) indexed by each database's own full-text engine.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_archive_documents_fts ON archive_documents "
            "USING GIN (to_tsvector('simple', search_text))"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE archive_search_fts USING fts5("
            "document_id UNINDEXED, body, tokenize='unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS archive_search_fts")
    for table in (
        "archive_disposals",
        "archive_fixity_runs",
        "archive_audit_anchors",
        "archive_audit_log",
        "archive_audit_head",
        "archive_pending_ingests",
        "archive_versions",
        "archive_documents",
        "archive_dossiers",
        "archive_fonds",
    ):
        op.drop_table(table)
