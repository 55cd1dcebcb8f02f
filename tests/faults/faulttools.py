"""Private servers the fault tests may stop, kill and restart without touching the machine's
own PostgreSQL and Redis (other tests keep using those)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from archive.ingest import Archive


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, seconds: float, *, up: bool = True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.3)
            if (sock.connect_ex(("127.0.0.1", port)) == 0) is up:
                return
        time.sleep(0.1)
    pytest.fail(f"port {port} did not come {'up' if up else 'down'} in {seconds} s")


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary folder, a free port)."""

    def __init__(self) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not versions:
            pytest.fail("PostgreSQL server binaries are missing (make test installs them)")
        self.bin = versions[-1].parent
        self.folder = Path(tempfile.mkdtemp(prefix="kyso-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        subprocess.run(
            _as_postgres(
                [
                    *(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres"),
                    *("-A", "trust", "-E", "UTF8", "--no-sync"),
                ]
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "log"), "-w", "start")
        wait_port(self.port, 30)

    def crash(self) -> None:
        """Stop at once, as a crash would (no checkpoint; recovery on the next start)."""
        self._ctl("-m", "immediate", "-w", "stop")
        wait_port(self.port, 10, up=False)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres(
                    [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
                ),
                check=False,
                capture_output=True,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A Redis of its own that keeps its data as production does (append-only file)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kyso-redis-"))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)),
            ],
            stdout=(self.folder / "log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port, 20)

    def crash(self) -> None:
        """SIGKILL: what was acknowledged as written is on disk (appendfsync always)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        wait_port(self.port, 10, up=False)

    def remove(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)
        shutil.rmtree(self.folder, ignore_errors=True)


def assert_archive_sound(archive: Archive) -> None:
    """After a fault: interrupted ingests resolved, every stored byte as catalogued, the
    audit chain unbroken."""
    from archive import auditlog, fixity

    archive.reconcile()
    assert archive.catalog.pending_ingests() == []
    report = fixity.audit(archive)
    assert report.ok, report.problems
    chain = auditlog.verify(archive.catalog.engine)
    assert chain.ok, chain.problems


def assert_scan_archived(archive: Archive, document_id: str, original: bytes) -> None:
    """One document: the scan's exact bytes as version 1 and its searchable PDF as version 2."""
    import hashlib

    first, chunks = archive.read(document_id, 1)
    assert b"".join(chunks) == original
    assert first.sha256 == hashlib.sha256(original).hexdigest()
    latest = archive.catalog.version(document_id)
    assert latest.number == 2 and latest.kind == "ocr"
    assert b"".join(archive.read(document_id, 2)[1]).startswith(b"%PDF-")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``kyso worker`` (Celery, one solo process) in its own process group."""
    import sys

    kyso = str(Path(sys.executable).parent / "kyso")
    return subprocess.Popen(
        [kyso, "worker", "--pool", "solo", "--concurrency", "1"],
        env={**os.environ, **env, "OMP_THREAD_LIMIT": "1"},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process_group(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
