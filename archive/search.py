"""Diacritic-insensitive Vietnamese search over metadata and OCR text, with filters.

Both databases index the same folded text (archive/text.py: ``hồ sơ lưu trữ`` -> ``ho so luu
tru``, đ -> d): PostgreSQL with a GIN index on ``to_tsvector('simple', search_text)``, SQLite
with an FTS5 table (the query: archive/catalog/search.py). Folding in Python rather than with
PostgreSQL's ``unaccent`` extension keeps the two databases' answers identical and needs no
superuser to create an extension. Access levels are enforced in the query: a reader sees
documents up to their clearance.
"""

from __future__ import annotations

from archive.errors import ArchiveInputError
from archive.metadata import SearchFilters, SearchHit, check_access_level
from archive.protocols import Catalog
from archive.text import tokens

MAX_TERMS = 16


def search(
    catalog: Catalog, query: str, filters: SearchFilters | None = None
) -> tuple[SearchHit, ...]:
    filters = filters or SearchFilters()
    check_access_level(filters.clearance)
    if not 0 < filters.limit <= 1000:
        raise ArchiveInputError("archive_bad_limit", "limit must be 1-1000")
    return catalog.search(tokens(query)[:MAX_TERMS], filters)


def index_text(catalog: Catalog, document_id: str, text: str) -> None:
    """Add text (e.g. OCR output of a derivative) to a document's searchable text."""
    with catalog.writing() as write:  # read-modify-write of the text: under the write lock
        write.append_search_text(document_id, text)
