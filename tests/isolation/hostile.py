"""A revocation server that misbehaves on purpose, a throw-away CA whose certificates send
their OCSP and CRL look-ups to it (the URLs a relying party follows), and ``kyso serve``."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

KYSO = str(Path(sys.executable).parent / "kyso")
#: hang: reads the request, never answers; trickle: one byte at a time, each well within any
#: read timeout; huge: a 700 MB answer; garbage: random bytes; reset: closes without a word
MODES = ("hang", "trickle", "huge", "garbage", "reset")
HUGE = 700 * 1024 * 1024


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hostile: Hostile

    def _misbehave(self) -> None:
        mode, release = self.hostile.mode, self.hostile.release
        self.hostile.requests += 1
        self.close_connection = True
        try:
            if mode == "hang":
                release.wait()
            elif mode == "trickle":
                self._head(1_000_000)
                while not release.wait(0.05):
                    self.wfile.write(b"0")
                    self.wfile.flush()
            elif mode == "huge":
                self._head(HUGE)
                chunk = b"0" * (1 << 20)
                for _ in range(HUGE >> 20):
                    self.wfile.write(chunk)
            elif mode == "garbage":
                body = os.urandom(3000)
                self._head(len(body))
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as a bounded fetch does

    def _head(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_GET(self) -> None:
        self._misbehave()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._misbehave()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Hostile:
    """The server on a free port (a thread); ``mode`` may change between requests."""

    def __init__(self) -> None:
        self.mode = "hang"
        self.requests = 0
        self.release = threading.Event()
        handler = type("Handler", (_Hostile,), {"hostile": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.release.set()  # hanging and trickling handlers return
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


@dataclass
class HostileKit:
    hostile: Hostile
    #: signed by a throw-away CA whose OCSP and CRL URLs are the hostile server's
    signed: bytes
    #: that CA's root (PEM)
    root: Path


def signed_by_throwaway_ca(folder: Path, responder_url: str) -> tuple[bytes, Path]:
    """A PDF signed (PAdES B-B) by a citizen certificate of a new CA whose certificates name
    ``responder_url`` for OCSP and CRLs; and that CA's root (PEM), for the verifier to trust."""
    from api.database import make_engine, migrate
    from certs.keystore_file import FileKeyStore
    from certs.pki import Pki, PkiOptions
    from certs.records import to_pem
    from signing.options import Level, SignOptions
    from signing.pades import PadesSigner, SigningContext
    from signing.pki_adapter import signing_key, trust_from_pki
    from tests.api.apitools import make_pdf

    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{folder / 'ca.db'}")
    migrate(engine)
    store = FileKeyStore(folder / "keys", b"throw-away-ca-passphrase-0123")
    pki = Pki(engine, store, PkiOptions(public_url=responder_url))
    pki.init()
    citizen = pki.issue_citizen("Trần Văn Bình", "079203001234")
    signer = PadesSigner(
        store, signing_key(pki, citizen.serial), SigningContext(trust_from_pki(pki))
    )
    signed = asyncio.run(signer.sign(make_pdf(), SignOptions(level=Level.B_B)))
    assert signed.pdf is not None
    root = folder / "root.pem"
    root.write_text(to_pem(pki.trust_anchors()[0]))
    engine.dispose()
    return signed.pdf, root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    env: dict[str, str]
    proc: subprocess.Popen[bytes]

    def kyso(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KYSO, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )


@contextmanager
def kyso_serve(data_dir: Path, port: int | None = None, **settings: str) -> Iterator[Served]:
    """``kyso serve`` on ``port`` (a free one by default; a subprocess), ``settings`` as
    KYSO_ variables."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KYSO_DATA_DIR": str(data_dir),
        "KYSO_PUBLIC_URL": url,
        "KYSO_LOG_LEVEL": "WARNING",
        **{f"KYSO_{name.upper()}": value for name, value in settings.items()},
    }
    log = (data_dir.parent / f"serve-{port}.log").open("wb")
    proc = subprocess.Popen(
        [KYSO, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"kyso serve did not start (see {log.name})")
            time.sleep(0.2)
        yield Served(url, env, proc)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()
