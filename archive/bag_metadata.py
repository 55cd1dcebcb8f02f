"""``data/kyso-metadata.json`` of a BagIt bag, read and checked completely before an import.

Every field of every document and version is checked against the bag's manifest and its
payload files (size, SHA-256, version numbers 1..n, kind, media type, Circular 02/2019 and
05/2025 metadata); any defect is one ``archive_bag_metadata_invalid`` error naming where it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.catalog.codec import M, meta_from_json
from archive.errors import ArchiveInputError
from archive.metadata import (
    VERSION_KINDS,
    DocumentMeta,
    DossierMeta,
    VersionKind,
    check_media_type,
)

FORMAT = "kyso-archive-bag/1"
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


def _meta(kind: type[M], text: object, where: str) -> M:
    if not isinstance(text, str):
        raise _invalid(where, "meta is not a JSON text")
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


def _version(entry: object, where: str, manifest: Mapping[str, str], bag: Path) -> BagVersion:
    if not isinstance(entry, dict):
        raise _invalid(where, "a version must be an object")
    kind, sha, path, media = (entry.get(k) for k in ("kind", "sha256", "path", "media_type"))
    if kind not in VERSION_KINDS:
        raise _invalid(where, f"kind must be one of {', '.join(VERSION_KINDS)}, not {kind!r:.40}")
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise _invalid(where, "sha256 must be 64 lower-case hex digits")
    if not isinstance(path, str) or manifest.get(path) != sha:
        raise _invalid(where, "path and sha256 must name a file of the manifest")
    if not isinstance(media, str):
        raise _invalid(where, "media_type is missing")
    try:
        media = check_media_type(media)
    except ArchiveInputError as exc:
        raise _invalid(where, exc.message) from exc
    size = _integer(entry, "size", where)
    if (bag / path).stat().st_size != size:
        raise _invalid(where, "size differs from the payload file")
    number = _integer(entry, "number", where)
    return BagVersion(number, kind, sha, size, media, path)


def _document(entry: object, where: str, manifest: Mapping[str, str], bag: Path) -> BagDocument:
    if not isinstance(entry, dict):
        raise _invalid(where, "a document must be an object")
    meta = _meta(DocumentMeta, entry.get("meta"), where)
    listed = entry.get("versions")
    if not isinstance(listed, list) or not listed:
        raise _invalid(where, "versions must be a non-empty list")
    versions = sorted(
        (_version(v, f"{where}, version {i + 1}", manifest, bag) for i, v in enumerate(listed)),
        key=lambda v: v.number,
    )
    if [v.number for v in versions] != list(range(1, len(versions) + 1)):
        raise _invalid(where, "version numbers must be 1, 2, ... without gaps")
    return BagDocument(meta, tuple(versions))


def read_contents(bag: Path, metadata: str, manifest: Mapping[str, str]) -> BagContents:
    """The checked contents of a bag whose manifest was already verified."""
    try:
        body = json.loads((bag / metadata).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid("the file", "not UTF-8 JSON") from exc
    if not isinstance(body, dict) or body.get("format", FORMAT) != FORMAT:
        raise _invalid("the file", f"not a {FORMAT} object")
    dossier = _meta(DossierMeta, body.get("dossier"), "dossier")
    listed = body.get("documents")
    if not isinstance(listed, list):
        raise _invalid("documents", "must be a list")
    documents = tuple(
        _document(entry, f"document {i + 1}", manifest, bag) for i, entry in enumerate(listed)
    )
    return BagContents(dossier, documents)
