"""The text formats of a BagIt bag (RFC 8493): tag files, manifests, and hashing payload files.

Read the way the Library of Congress ``bagit`` package (bagit-python) writes and reads them, so
that bags travel both ways: a manifest line is a checksum, one or more spaces or tabs, and the
path (a leading ``*``, md5sum's binary marker, is dropped); file paths are taken literally
(bagit-python never writes the ``%25`` that RFC 8493 section 2.1.3 asks for, so decoding it would
misread its bags), and a path with a CR or LF is refused outright. Tag files are ``Label: value``
lines with RFC 2822 style folding (a line that starts with a space or tab continues the value).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from archive.errors import ArchiveInputError
from common.hashing import CHUNK_SIZE, iter_chunks

#: the manifest algorithms kyso can check (RFC 8493 section 2.4 and bagit-python's names)
ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
#: at least one of these must be in a bag: MD5, SHA-1 and SHA-224 are no fixity evidence
#: under the verification policy (Circular 15/2025: SHA-256 or stronger)
STRONG = ("sha256", "sha384", "sha512")
#: what kyso writes: RFC 8493 asks for SHA-512 by default, kyso's catalog keeps SHA-256;
#: bagit-python writes the same two by default
EXPORTED = ("sha256", "sha512")
_HEX = re.compile(r"[0-9a-fA-F]+")
#: a tag file is read whole: a SHA-512 manifest of a million payload files is about 200 MB
MAX_TAG_FILE = 256 * 1024 * 1024


def invalid(message: str) -> ArchiveInputError:
    return ArchiveInputError("archive_bag_invalid", message)


@dataclass(frozen=True)
class Hashed:
    """A payload file's digests (one per algorithm asked for, lower-case hex) and size."""

    digests: dict[str, str]
    size: int


def open_regular(path: Path) -> BinaryIO:
    """Open a bag file that must still be a plain file (not swapped for a link or FIFO)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise invalid(f"{path.name} is not a regular file")
    return os.fdopen(fd, "rb", buffering=CHUNK_SIZE)


def hash_file(path: Path, algorithms: Iterable[str]) -> Hashed:
    """Every digest in one read of the file."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    size = 0
    with open_regular(path) as stream:
        for chunk in iter_chunks(stream):
            size += len(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    return Hashed({name: h.hexdigest() for name, h in hashers.items()}, size)


def read_text(path: Path) -> str:
    """A tag file's text (UTF-8; bagit.txt names the encoding and kyso accepts only UTF-8)."""
    with open_regular(path) as stream:
        data = stream.read(MAX_TAG_FILE + 1)
    if len(data) > MAX_TAG_FILE:
        raise invalid(f"{path.name} is over {MAX_TAG_FILE // 2**20} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(f"{path.name} is not UTF-8") from exc


def parse_tags(text: str, name: str) -> list[tuple[str, str]]:
    """``Label: value`` pairs in order (labels as written; repeated labels kept)."""
    pairs: list[tuple[str, str]] = []
    for line in text.removeprefix("\ufeff").splitlines():
        if not line.strip():
            continue
        if line[0] in " \t" and pairs:
            label, value = pairs[-1]
            pairs[-1] = (label, f"{value} {line.strip()}")
            continue
        label, colon, value = line.partition(":")
        if not colon or not label.strip():
            raise invalid(f"{name}: {line[:60]!r} is not a 'Label: value' line")
        pairs.append((label.strip(), value.strip()))
    return pairs


def tag_values(pairs: list[tuple[str, str]], label: str) -> list[str]:
    """The values of one label (RFC 8493 section 2.2.2: labels are case-insensitive)."""
    return [value for name, value in pairs if name.lower() == label.lower()]


def render_tags(pairs: Iterable[tuple[str, str]]) -> str:
    """One ``Label: value`` line each; line breaks inside a value become spaces."""
    return "".join(f"{label}: {' '.join(value.split())}\n" for label, value in pairs)


def manifest_algorithm(filename: str, prefix: str) -> str:
    """``sha256`` for ``manifest-sha256.txt``; an algorithm kyso cannot check is refused."""
    algorithm = filename.removeprefix(prefix).removesuffix(".txt").lower()
    if algorithm not in ALGORITHMS:
        raise invalid(f"{filename}: kyso cannot check {algorithm!r} (it checks {ALGORITHMS})")
    return algorithm


def _path(text: str, name: str) -> str:
    pure = PurePosixPath(text)
    if (
        not text
        or pure.is_absolute()
        or any(part in ("..", ".") for part in text.split("/"))
        or "//" in text
        or any(ch in text for ch in "\r\n\x00")
    ):
        raise invalid(f"{name}: bad path {text[:80]!r} (absolute, '..', or a line break)")
    return text


def parse_manifest(text: str, name: str, algorithm: str) -> dict[str, str]:
    """``{path: lower-case digest}``; a malformed or repeated line is ``archive_bag_invalid``."""
    width = hashlib.new(algorithm).digest_size * 2
    entries: dict[str, str] = {}
    for line in text.removeprefix("\ufeff").splitlines():
        if not line.strip():
            continue
        fields = line.strip().split(None, 1)
        digest = fields[0]
        if len(fields) != 2 or len(digest) != width or not _HEX.fullmatch(digest):
            raise invalid(f"{name}: bad line {line[:80]!r}")
        rel = _path(fields[1].lstrip("*"), name)
        if rel in entries:
            raise invalid(f"{name} lists {rel} twice")
        entries[rel] = digest.lower()
    return entries


def render_manifest(entries: dict[str, str]) -> str:
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(entries.items()))
