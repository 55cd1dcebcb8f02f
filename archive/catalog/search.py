"""The search query (archive/search.py folds the words and checks the filters first).

PostgreSQL matches ``to_tsvector('simple', search_text)`` (GIN index), SQLite the FTS5 table
``archive_search_fts``; the reader's clearance is part of the query.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from archive.catalog import tables as t
from archive.metadata import ACCESS_LEVELS, SearchFilters, SearchHit


def search(
    conn: sa.Connection, words: Sequence[str], filters: SearchFilters
) -> tuple[SearchHit, ...]:
    d, s = t.documents, t.dossiers
    stmt = (
        sa.select(d.c.id, s.c.code, d.c.title, d.c.document_type, d.c.issue_date, d.c.access_level)
        .join(s, s.c.id == d.c.dossier_id)
        .where(d.c.disposed_at.is_(None), d.c.access_rank <= ACCESS_LEVELS.index(filters.clearance))
    )
    if words:
        if conn.dialect.name == "postgresql":
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
    return tuple(SearchHit(*row) for row in conn.execute(stmt))
