"""``kyso serve`` as a subprocess, for the tests that go over real HTTP or kill the server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

KYSO = str(Path(sys.executable).parent / "kyso")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serve(
    port: int, env: dict[str, str], log: Path, *, own_group: bool = False
) -> subprocess.Popen[bytes]:
    """``kyso serve`` on ``port`` with the environment ``env``, its output added to ``log``
    (``own_group``: in a process group of its own, for the caller to stop as one); returned
    once ``/health`` answers, a failed start or 90 s without fails with the log's name."""
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [KYSO, "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"kyso serve did not start (see {log})")
        time.sleep(0.2)
