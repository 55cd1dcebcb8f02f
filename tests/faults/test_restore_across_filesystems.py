"""``kyso admin restore`` onto a data dir that is its own filesystem (a tmpfs mount, as the
compose setup's separate volume is): the backup is staged on the target, so nothing crosses
filesystems with a rename (EXDEV) and the restored dir works and is private."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from faulttools import kyso_env, mount_tmpfs, run_kyso, unmount

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "volume"
    mount.mkdir()
    mount_tmpfs(mount, "256m")
    try:
        yield mount
    finally:
        unmount(mount)


def _ok(env: dict[str, str], *args: str) -> str:
    done = run_kyso(env, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def test_a_backup_restores_onto_a_data_dir_on_another_filesystem(
    tmp_path: Path, volume: Path
) -> None:
    source = kyso_env(tmp_path / "old")
    _ok(source, "pki", "init")
    document = tmp_path / "bien-ban.txt"
    document.write_text("Biên bản bàn giao")
    _ok(source, "archive", "put", str(document), "--dossier", "HS-VOL-1")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("mat-khau-sao-luu-rat-dai\n")
    backup = tmp_path / "kyso.tar.gz"
    _ok(source, "admin", "backup", "--out", str(backup), "--include-secrets",
        "--passphrase-file", str(passphrase))  # fmt: skip
    assert (tmp_path / "old").stat().st_dev != volume.stat().st_dev

    target = kyso_env(volume)  # the mount point itself is the data dir
    assert "restored:" in _ok(target, "admin", "restore", str(backup),
                              "--passphrase-file", str(passphrase))  # fmt: skip
    assert sorted(p.name for p in volume.iterdir()) == ["archive", "keys", "kyso.db", "secrets"]
    assert "checked 1 of 1 versions, OK" in _ok(target, "archive", "audit")
    _ok(target, "archive", "log", "verify")
    _ok(target, "pki", "issue", "seal", "--agency", "UBND Phường Hàng Bạc")  # CA keys open
    for path in [volume, *volume.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path
