"""Fixtures of the fault tests: servers of their own to crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from faulttools import PrivatePostgres, PrivateRedis


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
