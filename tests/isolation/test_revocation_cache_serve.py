"""A running ``kyso serve`` keeps the revocation answers it fetched between requests: two
uploads signed under one foreign CA cost one OCSP/CRL fetch each, not one per upload.

The foreign CA is a second kyso PKI made here, whose certificates send their OCSP and CRL
look-ups to a responder in this test that answers them properly and counts them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from hostile import kyso_serve

from api.database import make_engine, migrate
from certs.keystore_file import FileKeyStore
from certs.ocsp import OcspResponder
from certs.pki import Pki, PkiOptions
from certs.records import to_pem
from certs.revocation import Revocation
from signing.options import Level, SignOptions
from signing.pades import PadesSigner, SigningContext
from signing.pki_adapter import signing_key, trust_from_pki
from tests.api.apitools import make_pdf

pytestmark = pytest.mark.slow


class _Counting(BaseHTTPRequestHandler):
    """The foreign CA's /pki/ocsp and /pki/crl/{ca}.crl, each request counted."""

    revocation: ClassVar[Revocation]
    responder: ClassVar[OcspResponder]
    asked: ClassVar[list[str]] = []

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Counting.asked.append(f"OCSP {self.path}")
        self._send(self.responder.respond(body), "application/ocsp-response")

    def do_GET(self) -> None:
        ca = self.path.removeprefix("/pki/crl/").removesuffix(".crl")
        _Counting.asked.append(f"CRL {self.path}")
        self._send(self.revocation.crl(ca), "application/pkix-crl")

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class ForeignCa:
    url: str
    root: Path
    #: two different documents signed by one citizen certificate of the CA
    documents: tuple[bytes, bytes]


@pytest.fixture(scope="module")
def foreign_ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForeignCa]:
    folder = tmp_path_factory.mktemp("foreign-ca")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    server.daemon_threads = True
    url = f"http://127.0.0.1:{server.server_address[1]}"
    engine = make_engine(f"sqlite:///{folder / 'ca.db'}")
    migrate(engine)
    store = FileKeyStore(folder / "keys", b"foreign-ca-passphrase-0123456")
    pki = Pki(engine, store, PkiOptions(public_url=url))
    pki.init()
    revocation = Revocation(pki)
    _Counting.revocation, _Counting.responder = revocation, OcspResponder(pki, revocation)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    citizen = pki.issue_citizen("Hoàng Thị Lan", "079203004444")
    signer = PadesSigner(
        store, signing_key(pki, citizen.serial), SigningContext(trust_from_pki(pki))
    )

    def signed(text: str) -> bytes:
        done = asyncio.run(signer.sign(make_pdf(text), SignOptions(level=Level.B_B)))
        assert done.pdf is not None
        return done.pdf

    root = folder / "root.pem"
    root.write_text(to_pem(pki.trust_anchors()[0]))
    try:
        yield ForeignCa(url, root, (signed("Don thu nhat"), signed("Don thu hai")))
    finally:
        server.shutdown()
        server.server_close()
        engine.dispose()


def _verify(url: str, pdf: bytes) -> dict[str, object]:
    answer = httpx.post(
        f"{url}/api/v1/verify", files={"file": ("a.pdf", pdf, "application/pdf")}, timeout=120
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_two_uploads_under_one_foreign_ca_fetch_its_revocation_answers_once(
    tmp_path: Path, foreign_ca: ForeignCa
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    responder = foreign_ca.url.removeprefix("http://")
    with kyso_serve(data, verify_workers="1", fetch_allow_hosts=responder) as server:
        added = server.kyso("pki", "trust", "add", str(foreign_ca.root))
        assert added.returncode == 0, added.stderr
        first, second = foreign_ca.documents
        assert _verify(server.url, first)["indication"] == "TOTAL_PASSED"
        fetched = list(_Counting.asked)
        assert fetched and all(a.startswith("OCSP") for a in fetched), fetched
        assert _verify(server.url, second)["indication"] == "TOTAL_PASSED"
        assert _Counting.asked == fetched  # the second upload was answered from the cache
    with kyso_serve(data, verify_workers="1", fetch_allow_hosts=responder,
                    revocation_cache_seconds="0") as server:  # fmt: skip
        _Counting.asked.clear()
        assert _verify(server.url, first)["indication"] == "TOTAL_PASSED"
        assert _verify(server.url, second)["indication"] == "TOTAL_PASSED"
        assert len(_Counting.asked) == 2 * len(fetched)  # without the cache: each asks
