"""A running ``kyso serve`` for the tests whose attack goes over HTTP."""

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


@dataclass
class Served:
    """``kyso serve`` on a data dir whose accounts ``kyso`` (the same database) made."""

    kyso: Kyso
    url: str
    data: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


@contextmanager
def kyso_served(base: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Accounts of every role (``make_kyso``), then ``kyso serve`` on their data dir with
    the machine's environment and ``env``, its public URL its own address; the whole process
    group is stopped after."""
    data = base / "data"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    # its certificates name its own address (CRL, OCSP, CA issuers), as a deployment's do
    kyso = make_kyso(base, Settings(data_dir=data, public_url=url))
    environment = {**os.environ, "KYSO_DATA_DIR": str(data), "KYSO_PUBLIC_URL": url, **(env or {})}
    environment.pop("KYSO_OTP_SEED_KEY", None)
    log_path = base / "server.log"
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [KYSO, "serve", "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "kyso serve did not start"
            time.sleep(0.2)
        yield Served(kyso, url, data)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()
        kyso.services.close()
