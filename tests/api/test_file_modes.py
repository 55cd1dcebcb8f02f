"""Secrets and personal data at rest: whatever the caller's umask, kyso's data dir is 0700 and
every file it writes there (database and its -wal/-shm, keys, secrets, archive objects, lock
files) and every backup is readable by the owner only; an older install is tightened."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

KYSO = str(Path(sys.executable).parent / "kyso")


def _kyso(data: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYSO_")}
    done = subprocess.run(
        [KYSO, *args],
        env={**env, "KYSO_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=240,
        umask=0o022,  # a shell's usual umask: new files 0644 unless kyso says otherwise
    )
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


def _shared(folder: Path) -> list[str]:
    """Paths under ``folder`` (itself included) that a group or other users may use."""
    return [
        f"{path}: {stat.filemode(path.stat().st_mode)}"
        for path in [folder, *folder.rglob("*")]
        if path.stat().st_mode & 0o077
    ]


def test_every_file_kyso_writes_is_private_whatever_the_umask(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _kyso(data, "pki", "init")
    document = tmp_path / "mat.txt"
    document.write_text("Hồ sơ mật: CCCD 001203004567")
    _kyso(data, "archive", "put", str(document), "--dossier", "HS-MAT-1", "--access", "restricted")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("mat-khau-sao-luu-rat-dai")
    backup = tmp_path / "kyso.tar.gz"
    _kyso(data, "admin", "backup", "--out", str(backup), "--include-secrets",
          "--passphrase-file", str(passphrase))  # fmt: skip
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    previous = os.umask(0o022)  # SQLite's journals, made by a process with a loose umask
    try:
        with sqlite3.connect(data / "kyso.db") as conn:
            conn.execute("CREATE TABLE t (x)")  # the -wal and -shm files exist while open
            assert (data / "kyso.db-wal").exists() and (data / "kyso.db-shm").exists()
            assert _shared(data) == []
        conn.close()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert {p.name for p in (data / "keys").iterdir()} >= {"ca-root.p8"}
    assert [p for p in (data / "archive" / "objects").rglob("*") if p.is_file()]  # stored


def test_an_older_install_with_loose_modes_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _kyso(data, "archive", "log", "verify")
    data.chmod(0o755)
    (data / "kyso.db").chmod(0o644)
    _kyso(data, "archive", "log", "verify")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "kyso.db").stat().st_mode) == 0o600
