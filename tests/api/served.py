"""``kyso serve`` in a subprocess on a throw-away data dir: attacks over real HTTP.

The accounts (one per role, with bearer tokens) are made before the server starts, on the
same data dir, so a test can sign in as any role at once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from apitools import Kyso, make_kyso

from api.settings import Settings

KYSO = str(Path(sys.executable).parent / "kyso")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    kyso: Kyso
    log: Path

    def client(self, **options: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **options)  # type: ignore[arg-type]

    def headers(self, role: str) -> dict[str, str]:
        return self.kyso.headers(role)

    def session(self, role: str) -> str:
        """A page session (cookie value) of the role's account."""
        accounts = self.kyso.services.accounts
        return accounts.issue_token(accounts.by_username(f"{role}1"), "session")


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kyso serve exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"kyso serve did not answer in 90 s: {log.read_text()[-3000:]}")


@contextmanager
def served(folder: Path, **settings: str) -> Iterator[Served]:
    """``kyso serve`` with ``KYSO_<NAME>=value`` for each keyword (e.g. trusted_proxies=...)."""
    data = folder / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    kyso = make_kyso(folder, Settings(data_dir=data))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KYSO_")},
        "KYSO_DATA_DIR": str(data),
        "KYSO_PUBLIC_URL": url,
        "OMP_THREAD_LIMIT": "1",
        **{f"KYSO_{name.upper()}": value for name, value in settings.items()},
    }
    log = folder / "server.log"
    proc = subprocess.Popen(
        [KYSO, "serve", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_healthy(url, proc, log)
        yield Served(url, kyso, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        kyso.services.close()
