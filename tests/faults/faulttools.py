"""Private servers the fault tests may stop, kill and restart without touching the machine's
own PostgreSQL and Redis (other tests keep using those)."""

from __future__ import annotations

import errno
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

from tests.serving import KYSO, free_port, start_serve

if TYPE_CHECKING:
    import httpx

    from archive.ingest import Archive


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
    from archive import fixity

    archive.reconcile()
    assert archive.catalog.pending_ingests() == []
    report = fixity.audit(archive)
    assert report.ok, report.problems
    chain = archive.catalog.audit_log.verify()
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
    return subprocess.Popen(
        [KYSO, "worker", "--pool", "solo", "--concurrency", "1"],
        env={**os.environ, **env, "OMP_THREAD_LIMIT": "1"},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process_group(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def mount_tmpfs(mount: Path, size: str) -> None:
    """A small filesystem of the test's own (the fault tests run as root)."""
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs (the fault tests run as root): {done.stderr!r}")


def unmount(mount: Path) -> None:
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write zeros until the disk refuses: the file is the space taken."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 20, 4096, 512):  # big blocks, then the last few KiB too
            block = bytes(size)
            try:
                while True:
                    out.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


class KysoServer:
    """``kyso serve`` on a data dir (in-process job queue) in its own process group, on a port
    of its own that stays the same when it is killed (SIGKILL) and started again; ``env``:
    settings on top of the machine's environment."""

    def __init__(self, data: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "KYSO_DATA_DIR": str(data), "OMP_THREAD_LIMIT": "1", **env}
        self.log = data.parent / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = start_serve(self.port, self.env, self.log, own_group=True)

    def kill(self) -> None:
        stop_process_group(self.proc)


def wait_scan(client: httpx.Client, headers: dict[str, str], scan_id: str, pages: int = 0) -> str:
    """The scan's status once its OCR succeeded (or, ``pages``, once that many pages are done);
    a failed job or three minutes without fails the test."""
    deadline = time.monotonic() + 180
    while True:
        state = client.get(f"/api/v1/archive/scans/{scan_id}", headers=headers).json()
        if state["status"] == "succeeded" or (pages and state["done"] >= pages):
            return str(state["status"])
        assert state["status"] != "failed" and time.monotonic() < deadline, state
        time.sleep(0.1)


def kyso_env(data: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a ``kyso`` command on ``data`` (no KYSO_ setting of the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYSO_")}
    env.update(KYSO_DATA_DIR=str(data), OMP_THREAD_LIMIT="1")
    if database_url is not None:
        env["KYSO_DATABASE_URL"] = database_url
    return env


def run_kyso(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KYSO, *args], env=env, capture_output=True, text=True, timeout=240)


def assert_refused(done: subprocess.CompletedProcess[str], code: str) -> None:
    """Exit 4 with kyso's one-line error, never a traceback (nor exit 1, "problems found")."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 4, (done.returncode, done.stdout, done.stderr)
    assert f"lỗi / error [{code}]: " in done.stderr, done.stderr
