"""A bag as one file, for HTTP: a zip of the bag's folder, written plainly and read warily.

``pack_bag`` zips an exported bag under one top folder (as bagit users zip a bag): payload
files stored as they are (PDFs and scans do not compress), tag files deflated.

``unpack_bag`` takes a zip from outside into an empty folder. Everything it can check before
writing a byte it checks on the central directory, each refusal with its own code:

* ``archive_bag_zip_invalid``: not a zip, damaged (a CRC or size that does not match, names
  that differ between the directory and the entry), encrypted entries, a compression other
  than stored or deflated;
* ``archive_bag_unsafe_path``: an absolute path, ``..``, ``.``, an empty part, a backslash, a
  drive letter, a control character, the same name twice, a name that is both a file and a
  folder;
* ``archive_bag_link``: a symbolic link or a special file (FIFO, device, socket), by the Unix
  mode the entry carries;
* ``archive_bag_too_large``: more entries than ``max_files``, a central directory over
  ``MAX_DIRECTORY_BYTES`` (checked before Python's zipfile reads it: a directory of millions of
  tiny entries would take gigabytes), or more than ``max_bytes`` unpacked in total (by the
  declared sizes, before unpacking: a zip bomb is refused without inflating it; zipfile never
  gives more than the declared size of an entry, and the bytes written are counted too).

Files are created new (never through an existing name or link), 0600 in 0700 folders. The
bag is the zip's top (``bagit.txt`` there) or its one top folder. The caller removes the
folder whatever happens; what the bag says is then checked by archive/bag_check.py.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from archive.errors import ArchiveInputError
from common.hashing import CHUNK_SIZE

#: a central directory entry is 46 bytes and its name; 10,000 entries with names of 350
#: bytes on average fit (zipfile keeps an object of a few hundred bytes per entry)
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_UNIX = 3
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass(frozen=True)
class UnpackLimits:
    #: bytes of all the files together, unpacked
    max_bytes: int
    max_files: int = 10_000


def _error(code: str, message: str) -> ArchiveInputError:
    return ArchiveInputError(code, message)


def pack_bag(bag: Path, out: IO[bytes], top: str) -> None:
    """Write the bag folder ``bag`` to ``out`` as a zip, its files under ``top/``."""
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for path in sorted(p for p in bag.rglob("*") if p.is_file()):
            rel = path.relative_to(bag).as_posix()
            method = zipfile.ZIP_STORED if rel.startswith("data/") else zipfile.ZIP_DEFLATED
            archive.write(path, f"{top}/{rel}", compress_type=method)


def _directory_size(stream: BinaryIO) -> tuple[int, int]:
    """(entries, bytes) of the zip's central directory as its end record says (zip64
    included); ``archive_bag_zip_invalid`` when there is no end record."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    tail_at = max(0, size - (22 + 65535))
    stream.seek(tail_at)
    tail = stream.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise _error("archive_bag_zip_invalid", "the upload is not a zip file")
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    locator = tail.rfind(_EOCD64_LOCATOR, 0, at)
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and locator >= 0:
        (record_at,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        stream.seek(record_at)
        record = stream.read(56)
        if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
            raise _error("archive_bag_zip_invalid", "the zip64 end record is damaged")
        entries, directory = struct.unpack("<QQ", record[32:48])
    stream.seek(0)
    return entries, directory


def _parts(name: str) -> tuple[str, ...]:
    """The parts of a safe entry name; ``archive_bag_unsafe_path`` otherwise."""
    trimmed = name[:-1] if name.endswith("/") else name
    parts = tuple(trimmed.split("/"))
    unsafe = (
        not trimmed
        or trimmed.startswith("/")
        or "\\" in name
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        or any(part in ("", ".", "..") for part in parts)
        or parts[0].endswith(":")
    )
    if unsafe:
        raise _error("archive_bag_unsafe_path", f"the zip holds an unsafe path: {name!r}")
    return parts


def _check_entry(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise _error("archive_bag_zip_invalid", f"{info.filename!r} is encrypted")
    if info.compress_type not in _METHODS:
        raise _error("archive_bag_zip_invalid", f"{info.filename!r}: unsupported compression")
    # the type bits of a Unix mode; none (permissions only, as many tools write): a file
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == _UNIX else 0
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        what = "a symbolic link" if kind == stat.S_IFLNK else "a special file"
        raise _error("archive_bag_link", f"{info.filename!r} is {what}")


def _plan(entries: list[zipfile.ZipInfo], limits: UnpackLimits) -> list[zipfile.ZipInfo]:
    """The file entries to write, once every entry has passed."""
    if len(entries) > limits.max_files:
        raise _error("archive_bag_too_large", f"more than {limits.max_files} entries")
    files: dict[tuple[str, ...], zipfile.ZipInfo] = {}
    folders: set[tuple[str, ...]] = set()
    total = 0
    for info in entries:
        parts = _parts(info.filename)
        _check_entry(info)
        folders.update(parts[:end] for end in range(1, len(parts)))
        if info.is_dir():
            folders.add(parts)
            continue
        if parts in files:
            raise _error("archive_bag_unsafe_path", f"{info.filename!r} is in the zip twice")
        files[parts] = info
        total += info.file_size
        if total > limits.max_bytes:
            raise _error(
                "archive_bag_too_large", f"the bag unpacks to more than {limits.max_bytes} bytes"
            )
    both = folders & files.keys()
    if both:
        name = "/".join(sorted(both)[0])
        raise _error("archive_bag_unsafe_path", f"{name!r} is both a file and a folder")
    return list(files.values())


def _write(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    written = 0
    with archive.open(info) as source, os.fdopen(os.open(path, flags, 0o600), "wb") as out:
        while chunk := source.read(CHUNK_SIZE):
            written += len(chunk)
            if written > info.file_size:  # never, as zipfile reads: counted all the same
                raise _error("archive_bag_too_large", f"{info.filename!r} is larger than it says")
            out.write(chunk)
    return written


def unpack_bag(source: Path, target: Path, limits: UnpackLimits) -> Path:
    """Unpack the zip ``source`` into the empty folder ``target``; the bag's folder."""
    with source.open("rb") as stream:
        count, directory = _directory_size(stream)
        if count > limits.max_files:
            raise _error("archive_bag_too_large", f"more than {limits.max_files} entries")
        if directory > MAX_DIRECTORY_BYTES:
            raise _error("archive_bag_too_large", "the zip's directory is too large")
        try:
            with zipfile.ZipFile(stream) as archive:
                written = 0
                for info in _plan(archive.infolist(), limits):
                    written += _write(archive, info, target.joinpath(*_parts(info.filename)))
                    if written > limits.max_bytes:
                        raise _error("archive_bag_too_large", "the bag unpacks to more")
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as exc:
            raise _error("archive_bag_zip_invalid", f"the zip is damaged: {exc}") from exc
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
            raise _error("archive_bag_unsafe_path", f"the zip's paths collide: {exc}") from exc
    return _bag_folder(target)


def _bag_folder(target: Path) -> Path:
    if (target / "bagit.txt").is_file():
        return target
    tops = list(target.iterdir())
    if len(tops) == 1 and tops[0].is_dir() and (tops[0] / "bagit.txt").is_file():
        return tops[0]
    raise _error(
        "archive_bag_invalid", "no bagit.txt at the top of the zip nor in its one top folder"
    )


def top_folder(name: str) -> str:
    """A folder name for the top of a zip (a dossier code may hold a slash)."""
    kept = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    return kept or "bag"
