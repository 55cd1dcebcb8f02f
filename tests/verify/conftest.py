"""A throw-away PKI served over real HTTP (OCSP, CRL), signers, and the test corpus.

Everything is session-scoped: the PKI, the server and the corpus are built once.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest

from api.database import make_engine, migrate
from certs.fetch_policy import FetchPolicy, parse_hosts
from certs.fetching import HttpUrlSource, PkiUrlSource
from certs.keystore_file import FileKeyStore
from certs.ocsp import OcspResponder
from certs.pki import Pki, PkiOptions
from certs.records import IssuedCertificate, to_pem
from certs.revocation import Revocation
from certs.tsa import TimeStampAuthority
from common.clock import SystemClock
from signing.pades import PadesSigner, SigningContext
from signing.pki_adapter import signing_key, trust_from_pki, tsa
from verify import VerifyOptions

if TYPE_CHECKING:
    from tests.verify.foreign_corpus import Document

AGENCY = "Ủy ban nhân dân phường Bến Nghé"


class _PkiHttp(BaseHTTPRequestHandler):
    """kyso's /pki/ocsp and /pki/crl/{ca}.crl over real HTTP (what a third party would reach)."""

    revocation: Revocation
    responder: OcspResponder
    #: the PKI's time-stamp authority (RFC 3161 over HTTP, for signers that are not kyso)
    tsa: TimeStampAuthority
    #: "OCSP" / "CRL" for each revocation request answered (tests count them)
    asked: ClassVar[list[str]] = []

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.rstrip("/") == "/pki/tsa":
            self._send(200, self.tsa.respond(body), "application/timestamp-reply")
            return
        if self.path.rstrip("/") != "/pki/ocsp":
            self._send(404, b"", "text/plain")
            return
        _PkiHttp.asked.append("OCSP")
        self._send(200, self.responder.respond(body), "application/ocsp-response")

    def do_GET(self) -> None:
        if self.path.startswith("/pki/crl/") and self.path.endswith(".crl"):
            ca = self.path.removeprefix("/pki/crl/").removesuffix(".crl")
            _PkiHttp.asked.append("CRL")
            self._send(200, self.revocation.crl(ca), "application/pkix-crl")
            return
        self._send(404, b"", "text/plain")

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Kit:
    pki: Pki
    store: FileKeyStore
    revocation: Revocation
    context: SigningContext
    citizen: IssuedCertificate
    official: IssuedCertificate
    seal: IssuedCertificate
    root_pem: Path
    url: str
    data_dir: Path

    def signer(self, serial: str) -> PadesSigner:
        return PadesSigner(self.store, signing_key(self.pki, serial), self.context)

    def options(self, **kw: object) -> VerifyOptions:
        """Online verification over HTTP (the PKI server on loopback: a trusted host of the
        fetch policy), kyso's root trusted."""
        policy = FetchPolicy(public=False, hosts=parse_hosts(self.url.removeprefix("http://")))
        base: dict[str, object] = {
            "trust_roots": tuple(self.pki.trust_anchors()),
            "revocation_source": HttpUrlSource(policy=policy),
        }
        base.update(kw)
        return VerifyOptions(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kit]:
    base = tmp_path_factory.mktemp("verify-pki")
    engine = make_engine(f"sqlite:///{base / 'kyso.db'}")
    migrate(engine)
    store = FileKeyStore(base / "keys", b"test-passphrase-0123456789")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PkiHttp)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    pki = Pki(engine, store, PkiOptions(public_url=url), SystemClock())
    pki.init()
    revocation = Revocation(pki)
    _PkiHttp.revocation = revocation
    _PkiHttp.responder = OcspResponder(pki, revocation)
    _PkiHttp.tsa = tsa(pki)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = SigningContext(
        trust=trust_from_pki(pki, PkiUrlSource(pki)), timestamps=_PkiHttp.tsa, clock=SystemClock()
    )
    root_pem = base / "root.pem"
    root_pem.write_text(to_pem(pki.trust_anchors()[0]))
    yield Kit(
        pki=pki,
        store=store,
        revocation=revocation,
        context=context,
        citizen=pki.issue_citizen("Đặng Văn Hưởng", "001203004567"),
        official=pki.issue_official("Nguyễn Thị Hồng Nhung", "Phó Chủ tịch", AGENCY),
        seal=pki.issue_seal(AGENCY),
        root_pem=root_pem,
        url=url,
        data_dir=base,
    )
    server.shutdown()
    engine.dispose()
    shutil.rmtree(base, ignore_errors=True)


PASSPHRASE = "test-passphrase-0123456789"


@pytest.fixture
def kyso_env(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> Kit:
    """Settings of the ``kyso`` CLI pointing at the test PKI (same database and keys)."""
    monkeypatch.setenv("KYSO_DATA_DIR", str(kit.data_dir))
    monkeypatch.setenv("KYSO_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("KYSO_PUBLIC_URL", kit.url)
    monkeypatch.delenv("KYSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KYSO_KEYSTORE", raising=False)
    return kit


@pytest.fixture(scope="session")
def corpus(kit: Kit) -> dict[str, bytes]:
    from tests.verify.corpus import build_corpus

    return build_corpus(kit)


@pytest.fixture(scope="session")
def foreign_corpus(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    """The documents other producers signed (tests/verify/foreign_corpus.py), built once."""
    from tests.verify.foreign_corpus import build_foreign_corpus
    from tests.verify.producers import Producers

    return build_foreign_corpus(kit, Producers(tmp_path_factory.mktemp("foreign-producers")))
