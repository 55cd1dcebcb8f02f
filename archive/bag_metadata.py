"""``data/kyso-metadata.json`` of a BagIt bag, read and checked completely before an import.

Every field of every document and version is checked against the bag's checked payload files
(path, SHA-256 and size when given, version numbers 1..n, kind, media type, Circular 02/2019 and
05/2025 metadata), and every payload file must be a version of some document (nothing is left
behind unsaid); any defect is one ``archive_bag_metadata_invalid`` error naming where it is.

Format ``kyso-archive-bag/2`` (what kyso writes) has ``dossier`` and each document's ``meta`` as
JSON objects; ``kyso-archive-bag/1`` (older kyso) had them as JSON texts: both are read. A
version's ``sha256`` and ``size`` may be left out of a bag prepared by hand: the checked payload
gives them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.bag_check import PayloadFile
from archive.catalog.codec import M, meta_from_json
from archive.errors import ArchiveInputError
from archive.metadata import (
    VERSION_KINDS,
    DocumentMeta,
    DossierMeta,
    VersionKind,
    check_media_type,
)

METADATA = "data/kyso-metadata.json"
FORMAT = "kyso-archive-bag/2"
FORMATS = ("kyso-archive-bag/1", FORMAT)
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class BagVersion:
    number: int
    kind: VersionKind
    sha256: str
    size: int
    media_type: str
    path: str


@dataclass(frozen=True)
class BagDocument:
    meta: DocumentMeta
    versions: tuple[BagVersion, ...]  # numbered 1..n, in order


@dataclass(frozen=True)
class BagContents:
    dossier: DossierMeta
    documents: tuple[BagDocument, ...]


def _invalid(where: str, why: str) -> ArchiveInputError:
    return ArchiveInputError("archive_bag_metadata_invalid", f"kyso-metadata.json, {where}: {why}")


def _meta(kind: type[M], value: object, where: str) -> M:
    """A JSON object (format 2) or the same object as a JSON text (format 1)."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
    if not isinstance(text, str):
        raise _invalid(where, "meta must be a JSON object")
    try:
        return meta_from_json(kind, text)
    except ArchiveInputError as exc:
        raise _invalid(where, exc.message) from exc
    except (ValueError, TypeError, AttributeError) as exc:  # not JSON, not an object
        raise _invalid(where, f"meta is malformed ({type(exc).__name__})") from exc


def _integer(entry: Mapping[str, object], name: str, where: str) -> int:
    value = entry.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _invalid(where, f"{name} must be a whole number, not {value!r:.40}")
    return value


def _path(entry: Mapping[str, object], where: str, payload: Mapping[str, PayloadFile]) -> str:
    path = entry.get("path")
    if not isinstance(path, str) or path not in payload or path == METADATA:
        hint = ""
        if isinstance(path, str) and f"data/{path}" in payload:
            hint = f" (paths start with data/: data/{path})"
        raise _invalid(where, f"path {path!r:.80} is not a payload file of the bag{hint}")
    return path


def _version(entry: object, where: str, payload: Mapping[str, PayloadFile]) -> BagVersion:
    if not isinstance(entry, dict):
        raise _invalid(where, "a version must be an object")
    kind, media = entry.get("kind"), entry.get("media_type")
    if kind not in VERSION_KINDS:
        raise _invalid(where, f"kind must be one of {', '.join(VERSION_KINDS)}, not {kind!r:.40}")
    path = _path(entry, where, payload)
    found = payload[path]
    sha = entry.get("sha256", found.sha256)
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise _invalid(where, "sha256 must be 64 lower-case hex digits")
    if sha != found.sha256:
        raise _invalid(where, f"sha256 differs from the SHA-256 of {path}")
    if not isinstance(media, str):
        raise _invalid(where, "media_type is missing")
    try:
        media = check_media_type(media)
    except ArchiveInputError as exc:
        raise _invalid(where, exc.message) from exc
    if _integer({"size": found.size} | entry, "size", where) != found.size:
        raise _invalid(where, f"size differs from the size of {path}")
    number = _integer(entry, "number", where)
    return BagVersion(number, kind, found.sha256, found.size, media, path)


def _document(entry: object, where: str, payload: Mapping[str, PayloadFile]) -> BagDocument:
    if not isinstance(entry, dict):
        raise _invalid(where, "a document must be an object")
    meta = _meta(DocumentMeta, entry.get("meta"), where)
    listed = entry.get("versions")
    if not isinstance(listed, list) or not listed:
        raise _invalid(where, "versions must be a non-empty list")
    versions = sorted(
        (_version(v, f"{where}, version {i + 1}", payload) for i, v in enumerate(listed)),
        key=lambda v: v.number,
    )
    if [v.number for v in versions] != list(range(1, len(versions) + 1)):
        raise _invalid(where, "version numbers must be 1, 2, ... without gaps")
    return BagDocument(meta, tuple(versions))


def read_contents(bag: Path, payload: Mapping[str, PayloadFile]) -> BagContents:
    """The checked contents of a bag whose payload was already checked (archive/bag_check.py)."""
    if METADATA not in payload:
        raise ArchiveInputError("archive_bag_invalid", f"the bag has no {METADATA}")
    try:
        body = json.loads((bag / METADATA).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid("the file", "not UTF-8 JSON") from exc
    if not isinstance(body, dict) or body.get("format", FORMAT) not in FORMATS:
        raise _invalid("the file", f"not a {FORMAT} object")
    dossier = _meta(DossierMeta, body.get("dossier"), "dossier")
    listed = body.get("documents")
    if not isinstance(listed, list):
        raise _invalid("documents", "must be a list")
    documents = tuple(
        _document(entry, f"document {i + 1}", payload) for i, entry in enumerate(listed)
    )
    named = {version.path for document in documents for version in document.versions}
    unnamed = sorted(set(payload) - named - {METADATA})
    if unnamed:
        raise _invalid("documents", f"{unnamed[0]} is in the bag but is no document's version")
    return BagContents(dossier, documents)
