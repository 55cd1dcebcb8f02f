"""Table definitions of the catalog (mirrors archive/migrations; tables prefixed ``archive_``)."""

from __future__ import annotations

import sqlalchemy as sa

from common.sqltypes import UtcDateTime

metadata = sa.MetaData()
TS = UtcDateTime()

fonds = sa.Table(
    "archive_fonds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(100), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
)

dossiers = sa.Table(
    "archive_dossiers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("fonds_id", sa.Integer, sa.ForeignKey("archive_fonds.id"), nullable=True),
    sa.Column("code", sa.String(100), nullable=False, unique=True),
    sa.Column("meta", sa.Text, nullable=False),  # JSON of DossierMeta
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("retention", sa.String(20), nullable=False),
    sa.Column("access_level", sa.String(20), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

documents = sa.Table(
    "archive_documents",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("dossier_id", sa.Integer, sa.ForeignKey("archive_dossiers.id"), nullable=False),
    sa.Column("meta", sa.Text, nullable=False),  # JSON of DocumentMeta
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("document_type", sa.String(100), nullable=False),
    sa.Column("issue_date", sa.Date, nullable=True),
    sa.Column("retention", sa.String(20), nullable=False),
    sa.Column("access_level", sa.String(20), nullable=False),
    sa.Column("access_rank", sa.Integer, nullable=False),
    sa.Column("legal_hold", sa.Boolean, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("disposed_at", TS, nullable=True),
    sa.Column("search_text", sa.Text, nullable=False),  # folded metadata + OCR text
    sa.Index("ix_archive_documents_dossier", "dossier_id"),
)

versions = sa.Table(
    "archive_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_id", sa.String(40), sa.ForeignKey("archive_documents.id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("media_type", sa.String(200), nullable=False),
    sa.Column("storage_key", sa.String(400), nullable=False),
    sa.Column("storage_version_id", sa.String(200), nullable=False),
    sa.Column("retain_until", TS, nullable=True),
    sa.Column("signature", sa.Text, nullable=True),  # JSON of SignatureSummary
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("document_id", "number", name="uq_archive_versions_doc_number"),
    sa.Index("ix_archive_versions_sha256", "sha256"),
)

pending_ingests = sa.Table(
    "archive_pending_ingests",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),  # JSON: what to catalogue once stored
    sa.Column("started_at", TS, nullable=False),
)

audit_head = sa.Table(
    "archive_audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
)

audit_log = sa.Table(
    "archive_audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
)

anchors = sa.Table(
    "archive_audit_anchors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Column("token", sa.LargeBinary, nullable=False),
    sa.Column("at", TS, nullable=False),
)

fixity_runs = sa.Table(
    "archive_fixity_runs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("started_at", TS, nullable=False),
    sa.Column("finished_at", TS, nullable=True),
    sa.Column("sample", sa.Float, nullable=False),
    sa.Column("cursor", sa.Integer, nullable=False),  # last archive_versions.id checked
    sa.Column("checked", sa.Integer, nullable=False),
    sa.Column("problems", sa.Text, nullable=False),  # JSON list of findings
)

disposals = sa.Table(
    "archive_disposals",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("document_id", sa.String(40), sa.ForeignKey("archive_documents.id"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("proposed_by", sa.String(200), nullable=False),
    sa.Column("proposed_at", TS, nullable=False),
    sa.Column("approved_by", sa.String(200), nullable=True),
    sa.Column("approved_at", TS, nullable=True),
    sa.Column("state", sa.String(20), nullable=False),  # proposed, executed, rejected
)
