"""A revocation server that misbehaves on purpose, a throw-away CA whose certificates send
their OCSP and CRL look-ups to it (the URLs a relying party follows), and ``kyso serve``."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.serving import KYSO, free_port, start_serve

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
    from tests.api.apitools import make_pdf
    from tests.certs.throwaway import throwaway_pki

    ca = throwaway_pki(folder, responder_url)
    try:
        citizen = ca.pki.issue_citizen("Trần Văn Bình", "079203001234")
        return ca.sign(citizen.serial, make_pdf()), ca.root_pem()
    finally:
        ca.close()


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
    proc = start_serve(port, env, data_dir.parent / f"serve-{port}.log")
    try:
        yield Served(url, env, proc)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
