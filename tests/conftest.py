"""Shared fixtures: throw-away data dirs, a frozen clock, and the real services.

Real services are started when missing (PostgreSQL, Redis) rather than skipped: `make test`
exercises every backend for real.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from common.clock import FrozenClock

if TYPE_CHECKING:
    from sqlalchemy import Engine

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait_port(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _port_open(host, port):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 23, 2, 15, tzinfo=UTC))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The machine's PostgreSQL (127.0.0.1:5432, trust auth), started if it is down."""
    if not _port_open("127.0.0.1", 5432) and shutil.which("pg_ctlcluster"):
        versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
        if versions:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                check=False,
            )
    if not _wait_port("127.0.0.1", 5432, 20):
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started")
    return "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = "kyso_t_" + secrets.token_hex(6)
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres_server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis, started if it is down."""
    if not _port_open("127.0.0.1", 6379) and shutil.which("redis-server"):
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=False,
        )
    if not _wait_port("127.0.0.1", 6379, 10):
        pytest.fail("Redis is not reachable on 127.0.0.1:6379 and could not be started")
    return "redis://127.0.0.1:6379/0"


SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="session")
def softhsm_conf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SoftHSM2 configuration for the test session (the library reads it once)."""
    if not Path(SOFTHSM_MODULE).exists():
        pytest.fail("SoftHSM2 is not installed (make test installs softhsm2)")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    tokens = folder / "tokens"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return conf


@pytest.fixture
def softhsm_token(softhsm_conf: Path) -> tuple[str, str, str]:
    """A fresh SoftHSM2 token for one test: (module path, token label, user PIN)."""
    import pkcs11

    label = "kyso-" + secrets.token_hex(4)
    pin = "1234" + secrets.token_hex(2)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            pin,
            "--so-pin",
            "so-" + pin,
        ],
        check=True,
        capture_output=True,
    )
    pkcs11.lib(SOFTHSM_MODULE).reinitialize()  # let the loaded library see the new token
    return SOFTHSM_MODULE, label, pin


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: the catalog, register and store tests run on both."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'kyso.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """``database_url`` with every table (all of kyso's migrations)."""
    from api.database import make_engine, migrate

    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()
