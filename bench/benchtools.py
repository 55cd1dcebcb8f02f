"""What the HTTP benchmarks share: `kyso serve` on its own data dir, its RSS, a signed PDF.

Imported by the bench scripts after they put the repository root and tests/api on sys.path.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from apitools import make_pdf

from api.wiring import Services
from signing.options import Level, SignOptions
from signing.pades import PadesSigner
from signing.pki_adapter import signing_key

#: every per-client rate limit, lifted: the load comes from one address
LIFTED_LIMITS = {f"KYSO_RATE_{name}_PER_MINUTE": "1000000" for name in ("LOGIN", "PIN", "VERIFY")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def signed_document(services: Services) -> bytes:
    """A one-page PDF sealed PAdES B-T by an agency seal of the service's own PKI."""
    seal = services.pki.issue_seal("UBND Quận Hoàn Kiếm")
    signer = PadesSigner(
        services.keystore, signing_key(services.pki, seal.serial), services.signing_context
    )
    signed = asyncio.run(signer.sign(make_pdf(), SignOptions(level=Level.B_T)))
    assert signed.pdf is not None
    return signed.pdf


def percentile_ms(ordered: list[float], p: float) -> float:
    """The ``p`` quantile (0..1) of sorted durations in seconds, in milliseconds."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def rss_tree(pid: int) -> list[float]:
    """VmRSS of ``pid`` and each of its descendants (uvicorn's worker processes), in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        rss = [int(s.split()[1]) / 1024 for s in status.splitlines() if s.startswith("VmRSS")]
        found.extend(rss)  # none for a zombie
    return found


@contextmanager
def kyso_server(folder: Path, port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    """`kyso serve` on ``folder`` (rate limits lifted, log in folder/server.log) until exit."""
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KYSO_DATA_DIR": str(folder), "KYSO_PUBLIC_URL": url, **LIFTED_LIMITS}
    kyso = str(Path(sys.executable).parent / "kyso")
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [kyso, "serve", "--port", str(port), "--workers", str(workers)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"kyso serve did not start: see {folder / 'server.log'}")
                try:
                    httpx.get(f"{url}/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            yield server
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
