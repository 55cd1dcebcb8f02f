"""Fixtures of the fault tests: servers of their own to crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from faulttools import PrivatePostgres, PrivateRedis, mount_tmpfs, unmount


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB tmpfs, to be the data dir the test fills up."""
    mount = tmp_path / "data"
    mount.mkdir()
    mount_tmpfs(mount, "64m")
    try:
        yield mount
    finally:
        unmount(mount)
