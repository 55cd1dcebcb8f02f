"""A throw-away kyso PKI whose certificates name a URL of the test's choosing, and a server on
127.0.0.1 that answers a PKI's revocation and time-stamp URLs over real HTTP.

For the tests that need a CA other than the one under test (a foreign CA to trust, a CA whose
OCSP and CRL URLs lead to a hostile server) or a PKI that a third party reaches over HTTP. The
server comes first: the PKI's certificates name its address, so it answers only once ``serve``
is given the PKI.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

from api.database import make_engine, migrate
from certs.keystore_file import FileKeyStore
from certs.ocsp import OcspResponder
from certs.pki import Pki, PkiOptions
from certs.records import to_pem
from certs.revocation import Revocation
from certs.tsa import TimeStampAuthority
from common.clock import Clock
from signing.options import Level, SignOptions
from signing.pades import PadesSigner, SigningContext
from signing.pki_adapter import signing_key, trust_from_pki, tsa

PASSPHRASE = b"test-passphrase-0123456789"


@dataclass
class ThrowawayPki:
    """An initialised PKI in ``folder`` laid out as a data dir (``kyso.db``, ``keys/``)."""

    pki: Pki
    keys: FileKeyStore
    engine: sa.Engine
    folder: Path

    def sign(self, serial: str, pdf: bytes) -> bytes:
        """``pdf`` signed PAdES B-B with the key of certificate ``serial``."""
        context = SigningContext(trust_from_pki(self.pki))
        signer = PadesSigner(self.keys, signing_key(self.pki, serial), context)
        signed = asyncio.run(signer.sign(pdf, SignOptions(level=Level.B_B)))
        assert signed.pdf is not None
        return signed.pdf

    def root_pem(self) -> Path:
        """The root certificate written as ``root.pem`` in the folder (to be trusted)."""
        path = self.folder / "root.pem"
        path.write_text(to_pem(self.pki.trust_anchors()[0]))
        return path

    def close(self) -> None:
        self.engine.dispose()


def throwaway_pki(
    folder: Path, public_url: str, passphrase: bytes = PASSPHRASE, clock: Clock | None = None
) -> ThrowawayPki:
    """A new PKI whose certificates send OCSP, CRL and issuer look-ups to ``public_url``."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{folder / 'kyso.db'}")
    migrate(engine)
    keys = FileKeyStore(folder / "keys", passphrase)
    pki = Pki(engine, keys, PkiOptions(public_url=public_url), clock)
    pki.init()
    return ThrowawayPki(pki, keys, engine, folder)


@dataclass(frozen=True)
class Answering:
    """What a ``PkiServer`` answers with (the test may revoke through ``revocation``)."""

    revocation: Revocation
    responder: OcspResponder
    tsa: TimeStampAuthority


class _Handler(BaseHTTPRequestHandler):
    server: PkiServer

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(self.server.delay)
        served, path = self.server.served, self.path.rstrip("/")
        if served is not None and path == "/pki/tsa":
            self._send(200, served.tsa.respond(body), "application/timestamp-reply")
        elif served is not None and path == "/pki/ocsp":
            self.server.asked.append("OCSP")
            self._send(200, served.responder.respond(body), "application/ocsp-response")
        else:
            self._send(404, b"", "text/plain")

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        served = self.server.served
        if served is not None and self.path.startswith("/pki/crl/") and self.path.endswith(".crl"):
            self.server.asked.append("CRL")
            ca = self.path.removeprefix("/pki/crl/").removesuffix(".crl")
            self._send(200, served.revocation.crl(ca), "application/pkix-crl")
        else:
            self._send(404, b"", "text/plain")

    def log_message(self, format: str, *args: object) -> None:
        pass


class PkiServer(ThreadingHTTPServer):
    """``/pki/ocsp``, ``/pki/crl/{ca}.crl`` and ``/pki/tsa`` on a free port of 127.0.0.1 (a
    thread), 404 until ``serve``; ``asked`` has "OCSP" or "CRL" for each revocation answer;
    each answer is made ``delay`` seconds after its request arrives (a slow responder)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.asked: list[str] = []
        self.delay = 0.0
        self.served: Answering | None = None
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, pki: Pki) -> Answering:
        """Answer for ``pki`` from now on."""
        revocation = Revocation(pki)
        self.served = Answering(revocation, OcspResponder(pki, revocation), tsa(pki))
        return self.served

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)
