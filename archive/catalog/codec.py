"""Conversions between metadata dataclasses and catalog rows (JSON columns, UTC times)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import TypeVar

from archive.errors import ArchiveInputError
from archive.metadata import DocumentMeta, DossierMeta, SignatureSummary

_DATES = {"issue_date", "start_date", "end_date"}
M = TypeVar("M", DocumentMeta, DossierMeta)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite gives naive datetimes back, which kyso always stores as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def meta_to_json(meta: DocumentMeta | DossierMeta) -> str:
    data = asdict(meta)
    for name in _DATES & data.keys():
        data[name] = data[name].isoformat() if data[name] else None
    data["keywords"] = list(data["keywords"])
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def meta_from_json(kind: type[M], text: str) -> M:
    data = json.loads(text)
    try:
        for name in _DATES & data.keys():
            data[name] = date.fromisoformat(data[name]) if data[name] else None
        data["keywords"] = tuple(data.get("keywords") or ())
        return kind(**data)
    except (TypeError, ValueError) as exc:
        raise ArchiveInputError("archive_bad_metadata", f"bad {kind.__name__}: {exc}") from exc


def signature_to_json(summary: SignatureSummary | None) -> str | None:
    if summary is None:
        return None
    data = asdict(summary)
    data["signed_at"] = summary.signed_at.isoformat() if summary.signed_at else None
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def signature_from_json(text: str | None) -> SignatureSummary | None:
    if not text:
        return None
    data = json.loads(text)
    data["signed_at"] = datetime.fromisoformat(data["signed_at"]) if data["signed_at"] else None
    return SignatureSummary(**data)
