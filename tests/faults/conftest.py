"""Fixtures of the fault tests: servers of their own to crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from faulttools import PrivatePostgres, PrivateRedis, mount_tmpfs, unmount

Server = TypeVar("Server", PrivatePostgres, PrivateRedis)


def _running(server: Server) -> Iterator[Server]:
    """The private server started for the test, removed after (whatever the test did to it)."""
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    yield from _running(PrivatePostgres())


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    yield from _running(PrivateRedis())


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
