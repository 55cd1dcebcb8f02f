"""Files kyso keeps private: the data dir 0700, the files it writes 0600, whatever the umask.

Personal data (citizen ID and phone numbers), PIN hashes and keys live under the data dir, so
nothing there is for other users of the host. The CLI and ``kyso serve`` also set the umask to
077 at start (``PRIVATE_UMASK``) for the files libraries create (SQLite's journals, uploads).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: the process umask of kyso's entry points: new files 0600, new folders 0700
PRIVATE_UMASK = 0o077


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (and its missing parents) 0700; ``tighten``: an existing one becomes
    0700 too (the data dir; not a folder kyso does not own, such as a database's parent)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if tighten and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; an existing one is tightened."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path


def open_private(path: Path, *, exclusive: bool = True) -> int:
    """A new file (mode 0600) opened for writing; ``exclusive``: fail if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    return os.open(path, flags, 0o600)
