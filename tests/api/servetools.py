"""A running ``kyso serve`` for the tests whose attack goes over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from apitools import Kyso, make_kyso

from api.settings import Settings
from tests.serving import free_port, start_serve


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
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # its certificates name its own address (CRL, OCSP, CA issuers), as a deployment's do
    kyso = make_kyso(base, Settings(data_dir=data, public_url=url))
    environment = {**os.environ, "KYSO_DATA_DIR": str(data), "KYSO_PUBLIC_URL": url, **(env or {})}
    environment.pop("KYSO_OTP_SEED_KEY", None)
    try:
        proc = start_serve(port, environment, base / "server.log", own_group=True)
        try:
            yield Served(kyso, url, data)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
    finally:
        kyso.services.close()
