"""A throw-away PKI (root, citizen and officials CAs, TSA, OCSP) shared by the signing tests."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from api.database import make_engine, migrate
from certs.fetching import PkiUrlSource
from certs.keystore_file import FileKeyStore
from certs.pki import Pki, PkiOptions
from certs.records import IssuedCertificate
from common.clock import SystemClock
from signing.options import SignOptions, StampKind
from signing.pades import PadesSigner, SigningContext
from signing.pki_adapter import signing_key, trust_from_pki, tsa
from signing.stamps import content_for

AGENCY = "Ủy ban nhân dân phường Bến Nghé"


@dataclass
class Kit:
    pki: Pki
    store: FileKeyStore
    context: SigningContext
    citizen: IssuedCertificate
    official: IssuedCertificate
    seal: IssuedCertificate
    root_pem: Path

    def signer(self, serial: str, *, pss: bool = False) -> PadesSigner:
        return PadesSigner(self.store, signing_key(self.pki, serial, pss=pss), self.context)

    def stamp(self, issued: IssuedCertificate, kind: StampKind, url: str | None = None):
        return content_for(kind, issued.certificate.subject, url)


def make_pdf(pages: int = 1, text: str = "Don de nghi cap giay phep") -> bytes:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for number in range(1, pages + 1):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        body = f"BT /F1 14 Tf 72 760 Td ({text} - trang {number}) Tj ET".encode()
        page.Contents = pdf.make_stream(body)
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


class _PkiHandler(BaseHTTPRequestHandler):
    """Serves the PKI's OCSP and CRL URLs so that pdfsig (NSS) can check revocation online."""

    fetcher: PkiUrlSource | None = None

    def _reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        assert self.fetcher is not None
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        url = self.fetcher.base + self.path
        answer = asyncio.run(self.fetcher.post(url, body, "application/ocsp-request"))
        self._reply(answer, "application/ocsp-response")

    def do_GET(self) -> None:
        assert self.fetcher is not None
        answer = asyncio.run(self.fetcher.get(self.fetcher.base + self.path))
        self._reply(answer, "application/pkix-crl")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kit]:
    base = tmp_path_factory.mktemp("pki")
    engine = make_engine(f"sqlite:///{base / 'kyso.db'}")
    migrate(engine)
    store = FileKeyStore(base / "keys", b"test-passphrase-0123456789")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PkiHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    pki = Pki(engine, store, PkiOptions(public_url=url), SystemClock())
    pki.init()
    _PkiHandler.fetcher = PkiUrlSource(pki)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    citizen = pki.issue_citizen("Đặng Văn Hưởng", "001203004567")
    official = pki.issue_official("Nguyễn Thị Hồng Nhung", "Phó Chủ tịch", AGENCY)
    seal = pki.issue_seal(AGENCY)
    context = SigningContext(trust=trust_from_pki(pki), timestamps=tsa(pki), clock=SystemClock())
    root_pem = base / "root.pem"
    from certs.records import to_pem

    root_pem.write_text(to_pem(pki.trust_anchors()[0]))
    yield Kit(pki, store, context, citizen, official, seal, root_pem)
    server.shutdown()
    engine.dispose()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def one_page() -> bytes:
    return make_pdf(1)


def options(**kw: object) -> SignOptions:
    return SignOptions(**kw)  # type: ignore[arg-type]
