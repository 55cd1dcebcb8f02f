"""Diacritic-insensitive Vietnamese search over metadata and OCR text, with filters.

Both databases index the same folded text (archive/text.py: ``hồ sơ lưu trữ`` -> ``ho so luu
tru``, đ -> d): PostgreSQL with a GIN index on ``to_tsvector('simple', search_text)``, SQLite
with an FTS5 table. Folding in Python rather than with PostgreSQL's ``unaccent`` extension
keeps the two databases' answers identical and needs no superuser to create an extension.
Access levels are enforced in the query: a reader sees documents up to their clearance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from archive.catalog import tables as t
from archive.catalog.sql import SqlCatalog
from archive.errors import ArchiveInputError
from archive.metadata import ACCESS_LEVELS, AccessLevel, check_access_level
from archive.text import tokens

MAX_TERMS = 16


@dataclass(frozen=True)
class SearchFilters:
    fonds_code: str | None = None
    dossier_code: str | None = None
    document_type: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    clearance: AccessLevel = "public"
    limit: int = 20


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    dossier_code: str
    title: str
    document_type: str
    issue_date: date | None
    access_level: str


def search(
    catalog: SqlCatalog, query: str, filters: SearchFilters | None = None
) -> tuple[SearchHit, ...]:
    filters = filters or SearchFilters()
    check_access_level(filters.clearance)
    if not 0 < filters.limit <= 1000:
        raise ArchiveInputError("archive_bad_limit", "limit must be 1-1000")
    words = tokens(query)[:MAX_TERMS]
    d, s = t.documents, t.dossiers
    stmt = (
        sa.select(d.c.id, s.c.code, d.c.title, d.c.document_type, d.c.issue_date, d.c.access_level)
        .join(s, s.c.id == d.c.dossier_id)
        .where(d.c.disposed_at.is_(None), d.c.access_rank <= ACCESS_LEVELS.index(filters.clearance))
    )
    if words:
        if catalog.is_postgres:
            tsquery = " & ".join([*words[:-1], words[-1] + ":*"])
            stmt = stmt.where(
                sa.func.to_tsvector(sa.literal_column("'simple'"), d.c.search_text).op("@@")(
                    sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery)
                )
            )
        else:
            match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
            fts = sa.text(
                "SELECT document_id FROM archive_search_fts WHERE archive_search_fts MATCH :q"
            ).bindparams(q=match.strip())
            stmt = stmt.where(d.c.id.in_(fts.columns(sa.column("document_id"))))
    if filters.dossier_code:
        stmt = stmt.where(s.c.code == filters.dossier_code)
    if filters.fonds_code:
        stmt = stmt.join(t.fonds, t.fonds.c.id == s.c.fonds_id).where(
            t.fonds.c.code == filters.fonds_code
        )
    if filters.document_type:
        stmt = stmt.where(d.c.document_type == filters.document_type)
    if filters.issued_from:
        stmt = stmt.where(d.c.issue_date >= filters.issued_from)
    if filters.issued_to:
        stmt = stmt.where(d.c.issue_date <= filters.issued_to)
    stmt = stmt.order_by(d.c.id.desc()).limit(filters.limit)
    with catalog.engine.connect() as conn:
        return tuple(SearchHit(*row) for row in conn.execute(stmt))


def index_text(catalog: SqlCatalog, document_id: str, text: str) -> None:
    """Add text (e.g. OCR output of a derivative) to a document's searchable text."""
    with catalog.writing() as conn:  # read-modify-write of the text: under the write lock
        catalog.append_search_text(conn, document_id, text)
