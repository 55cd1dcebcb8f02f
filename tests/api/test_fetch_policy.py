"""Revocation look-ups go only where the fetch policy allows: a document whose certificates
send their OCSP, CRL and CA-issuer URLs to loopback, to the cloud metadata address or through
a redirect to loopback makes ``kyso serve`` ask nothing there, and the report says the
revocation data could not be fetched (TRY_LATER, the URL named, "not allowed"). Signing at
B-LT asks an external TSA's revocation data only from a host the operator trusts."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socket import socket

import httpx
import pytest
from apitools import make_pdf
from pydantic import ValidationError
from servetools import Served, kyso_served

from api.settings import Settings
from api.wiring import build_services
from certs.errors import RevocationUnreachableError
from certs.fetch_policy import FetchPolicy, parse_hosts
from certs.sources import HttpUrlSource, PkiUrlSource
from certs.tsa import TimeStampAuthority, tsa_from_pki
from signing.errors import SigningError
from signing.options import Level, SignOptions
from signing.pades import PadesSigner
from signing.pki_adapter import signing_key
from tests.isolation.hostile import signed_by_throwaway_ca

pytestmark = pytest.mark.slow
METADATA = "http://169.254.169.254"


class _Counting(BaseHTTPRequestHandler):
    """Answers every request: a redirect to ``server.forward`` + the path when set (307, so
    an OCSP POST stays a POST), ``server.pki``'s time-stamps, OCSP and CRLs when set, else
    404."""

    server: Listener

    def _answer(self, body: bytes) -> None:
        self.server.requests.append(f"{self.command} {self.path} Host: {self.headers['Host']}")
        if self.server.forward is not None:
            self.send_response(307)
            self.send_header("Location", self.server.forward + self.path)
            self.send_header("Content-Length", "0")
        elif self.server.pki is not None and self.path.startswith("/pki/"):
            answer = asyncio.run(self._pki(self.server.pki, body))
            self.send_response(200)
            kind = "timestamp-reply" if self.path == "/pki/tsa" else "octet-stream"
            self.send_header("Content-Type", f"application/{kind}")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
        self.end_headers()

    async def _pki(self, pki: PkiUrlSource, body: bytes) -> bytes:
        if self.path == "/pki/tsa":
            assert self.server.tsa is not None
            return self.server.tsa.respond(body)
        url = self.server.url + self.path
        return await (pki.post(url, body, "application/ocsp-request") if body else pki.get(url))

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def log_message(self, format: str, *args: object) -> None:
        pass


class Listener(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that counts every connection it accepts."""

    daemon_threads = True

    def __init__(self, forward: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Counting)
        self.forward = forward
        self.pki: PkiUrlSource | None = None
        self.tsa: TimeStampAuthority | None = None
        self.connections = 0
        self.requests: list[str] = []
        self.hostport = f"127.0.0.1:{self.server_address[1]}"
        self.url = f"http://{self.hostport}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def process_request(self, request: socket | tuple[bytes, socket], client: object) -> None:
        self.connections += 1
        super().process_request(request, client)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redirector(listener: Listener) -> Iterator[Listener]:
    """A trusted host that sends every request on to the (not trusted) listener."""
    server = Listener(forward=listener.url)
    yield server
    server.stop()


@dataclass
class Document:
    pdf: bytes
    root: Path
    #: where its certificates send OCSP and CRL look-ups
    base: str


@pytest.fixture(scope="module")
def documents(
    tmp_path_factory: pytest.TempPathFactory, listener: Listener, redirector: Listener
) -> dict[str, Document]:
    folder = tmp_path_factory.mktemp("throw-away-cas")
    bases = {
        "loopback": listener.url,
        "loopback_by_name": listener.url.replace("127.0.0.1", "localhost"),
        "metadata": METADATA,
        "redirected_to_loopback": redirector.url,
    }
    found = {}
    for name, base in bases.items():
        pdf, root = signed_by_throwaway_ca(folder / name, base)
        found[name] = Document(pdf, root, base)
    return found


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, documents: dict[str, Document], redirector: Listener
) -> Iterator[Served]:
    """``kyso serve`` fetching from any public address and from the redirector (trusted),
    the throw-away CAs' roots trusted: only the fetch policy stands between it and them."""
    settings = {
        "KYSO_FETCH_REVOCATION": "public",
        "KYSO_FETCH_ALLOW_HOSTS": redirector.hostport,
        "KYSO_VERIFY_WORKERS": "1",
        "KYSO_FETCH_TIMEOUT_SECONDS": "5",
    }
    with kyso_served(tmp_path_factory.mktemp("fetch-policy"), settings) as server:
        for document in documents.values():
            server.kyso.services.pki.trust_add(document.root.read_bytes())
        yield server


def _revocation_finding(report: dict[str, object]) -> str:
    assert (report["indication"], report["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    [signature] = report["signatures"]  # type: ignore[misc]
    assert (signature["indication"], signature["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    [finding] = [f for f in signature["findings"] if f["code"] == "revocation_unavailable"]
    return str(finding["message_en"])


@pytest.mark.parametrize(
    "name", ["loopback", "loopback_by_name", "metadata", "redirected_to_loopback"]
)
def test_an_uploaded_document_pointing_revocation_at_internal_addresses_asks_nothing_there(
    served: Served, documents: dict[str, Document], listener: Listener, name: str
) -> None:
    document = documents[name]
    answer = httpx.post(
        f"{served.url}/api/v1/verify",
        files={"file": ("a.pdf", document.pdf, "application/pdf")},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    message = _revocation_finding(answer.json())
    refused = f"{listener.url}/pki/ocsp: not allowed: " if name.startswith("redirected") else ""
    for url in (f"{document.base}/pki/ocsp", f"{document.base}/pki/crl/"):
        assert url in message, message
    assert message.count("not allowed") >= 2, message  # the OCSP responder and the CRL
    assert refused in message, message
    assert listener.connections == 0, listener.requests


def test_a_trusted_host_is_asked_and_its_redirect_to_an_untrusted_one_is_not(
    served: Served, documents: dict[str, Document], listener: Listener, redirector: Listener
) -> None:
    document = documents["redirected_to_loopback"]
    before = len(redirector.requests)
    answer = httpx.post(
        f"{served.url}/api/v1/verify",
        files={"file": ("a.pdf", document.pdf, "application/pdf")},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    message = _revocation_finding(answer.json())
    assert f"redirected to {listener.url}/pki/ocsp: not allowed" in message, message
    assert f"{listener.hostport} is not a trusted host" not in message  # public mode
    assert "127.0.0.1 is a loopback address" in message, message
    asked = redirector.requests[before:]
    assert any(line.startswith("POST /pki/ocsp") for line in asked), asked
    assert listener.connections == 0, listener.requests


def test_by_default_only_trusted_hosts_are_asked_by_name_at_the_checked_address(
    tmp_path: Path,
) -> None:
    """The default policy of a service (``trusted``, nothing listed) asks nobody; a listed
    host is asked under its name (``Host``) at the address that was checked."""
    listener = Listener()
    try:
        url = listener.url.replace("127.0.0.1", "localhost")
        services = build_services(Settings(data_dir=tmp_path))
        with pytest.raises(RevocationUnreachableError) as refused:
            asyncio.run(services.http_source().get(f"{url}/pki/crl/root.crl"))
        message = refused.value.message
        hostport = url.removeprefix("http://")
        assert f"not allowed: {hostport} is not a trusted host" in message
        assert listener.connections == 0
        hosts = parse_hosts(url.removeprefix("http://"))
        trusted = HttpUrlSource(5, 1 << 20, FetchPolicy(public=False, hosts=hosts))
        with pytest.raises(RevocationUnreachableError) as missing:
            asyncio.run(trusted.get(f"{url}/pki/crl/root.crl"))
        assert "404" in missing.value.message  # asked, and answered
        assert listener.requests == [f"GET /pki/crl/root.crl Host: {url.removeprefix('http://')}"]
    finally:
        listener.stop()


def test_allowed_hosts_must_be_hosts() -> None:
    assert parse_hosts("127.0.0.1:8080, OCSP.example.vn, [::1]:99") == {
        "127.0.0.1:8080", "ocsp.example.vn:80", "ocsp.example.vn:443", "[::1]:99"
    }  # fmt: skip
    for wrong in ("http://ocsp.example.vn", "ocsp.example.vn/x", "host:0", "[zz]:1", "a b"):
        with pytest.raises(ValidationError):
            Settings(fetch_allow_hosts=wrong)


class _TsaKit:
    """A throw-away PKI whose TSA and revocation URLs are a listener on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        from api.database import make_engine, migrate
        from certs.keystore_file import FileKeyStore
        from certs.pki import Pki, PkiOptions

        self.listener = Listener()
        engine = make_engine(f"sqlite:///{folder / 'tsa-ca.db'}")
        migrate(engine)
        store = FileKeyStore(folder / "tsa-keys", b"throw-away-tsa-passphrase-012")
        pki = Pki(engine, store, PkiOptions(public_url=self.listener.url))
        pki.init()
        self.listener.pki = PkiUrlSource(pki)
        self.listener.tsa = tsa_from_pki(pki)
        self.roots = pki.trust_anchors()


def _sign_b_lt(folder: Path, kit: _TsaKit, **settings: str) -> bytes | None:
    from certs.records import to_pem

    services = build_services(
        Settings(
            data_dir=folder, public_url="http://127.0.0.1:9", tsa_url=f"{kit.listener.url}/pki/tsa",
            **settings,  # type: ignore[arg-type]
        )
    )  # fmt: skip
    try:
        services.ensure_pki()
        services.pki.trust_add(to_pem(kit.roots[0]).encode())
        citizen = services.pki.issue_citizen("Lê Thị Mai", "079303001234")
        key = signing_key(services.pki, citizen.serial)
        signer = PadesSigner(services.keystore, key, services.signing_context)
        return asyncio.run(signer.sign(make_pdf(), SignOptions(level=Level.B_LT))).pdf
    finally:
        services.close()
        services.engine.dispose()


def test_signing_at_b_lt_asks_an_external_tsas_revocation_only_from_a_trusted_host(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kit = _TsaKit(tmp_path)
    caplog.set_level(logging.INFO, logger="certs.sources")
    try:
        with pytest.raises(SigningError) as refused:
            _sign_b_lt(tmp_path / "default", kit)
        assert refused.value.code == "revocation_unavailable", refused.value
        assert "Time-Stamping Unit" in refused.value.message
        asked = [line for line in kit.listener.requests if "/pki/tsa" not in line]
        assert asked == [], asked  # the time-stamp only: its OCSP and CRL were not asked
        assert kit.listener.requests, "the TSA itself is asked"
        logged = [r.getMessage() for r in caplog.records if "not allowed" in r.getMessage()]
        assert any(f"{kit.listener.url}/pki/ocsp" in line for line in logged), logged
        signed = _sign_b_lt(tmp_path / "trusted", kit, fetch_allow_hosts=kit.listener.hostport)
        assert signed is not None
        asked = [line for line in kit.listener.requests if "/pki/tsa" not in line]
        assert any("/pki/ocsp" in line or "/pki/crl/" in line for line in asked), asked
    finally:
        kit.listener.stop()
