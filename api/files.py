"""Files kyso keeps private: the data dir 0700, the files it writes 0600, whatever the umask.

Personal data (citizen ID and phone numbers), PIN hashes and keys live under the data dir, so
nothing there is for other users of the host. The CLI and ``kyso serve`` also set the umask to
077 at start (``PRIVATE_UMASK``) for the files libraries create (SQLite's journals, uploads).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

#: the process umask of kyso's entry points: new files 0600, new folders 0700
PRIVATE_UMASK = 0o077


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (and its missing parents) 0700; ``tighten``: an existing one becomes
    0700 too (the data dir; not a folder kyso does not own, such as a database's parent)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if tighten:
        make_private(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; an existing one is tightened."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    make_private(path, 0o600)
    return path


def make_private(path: Path, mode: int) -> None:
    """Take group and other permissions away; one kyso does not own (a volume's root made by
    another user) is left as it is, with a warning, since only its owner may change it."""
    stats = path.stat()
    if not stats.st_mode & 0o077:
        return
    if stats.st_uid != os.geteuid():
        log.warning("%s is readable by others and not kyso's to change (owner %d)", path,
                    stats.st_uid)  # fmt: skip
        return
    path.chmod(mode)


def open_private(path: Path, *, exclusive: bool = True) -> int:
    """A new file (mode 0600) opened for writing; ``exclusive``: fail if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    return os.open(path, flags, 0o600)


def write_private(path: Path, data: bytes) -> None:
    """``data`` as the whole of ``path`` (0600), on disk before it replaces what was there:
    a crash leaves the old file or the new one, never half of one."""
    partial_path = path.with_suffix(path.suffix + ".part")
    with os.fdopen(open_private(partial_path, exclusive=False), "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial_path.replace(path)
