"""Arrivals are all or nothing and a slow revocation server never refuses a sound package
(issue 15 part 2 follow-up), on the receiving agency's services in this process:
- the archive refusing a write half-way (a database trigger, as a full disk) leaves nothing of
  the arrival in the catalog, the object store or the exchange tables; the same package sent
  again is then archived, and a third copy is a duplicate (SQLite and PostgreSQL);
- a package whose signer's OCSP/CRL server is down is **held** (01 only, nothing archived),
  verified again once the server answers, then accepted (03, archived) and the 03 reaches the
  sender when it is reachable again (the retries' backoff elapsed);
- a peer is held to its rate limit."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from apitools import citizen_signed_pdf, make_pdf

from api.exchange_inbox import receive
from api.exchange_models import RetryRow
from api.exchange_retry import retry_due, reverify
from api.exchange_store import ExchangeStore, Peer
from api.ratelimit import RateLimited
from api.settings import Settings
from api.wiring import Services, build_services
from archive.catalog import tables as t
from certs.sources import PkiUrlSource
from onestop.exchange import auth
from onestop.exchange.edxml import build_package
from onestop.exchange.errors import ExchangeDuplicateError
from onestop.exchange.model import Attachment, Header, Organ, Package, StatusCode, Trace
from onestop.exchange.status import parse_status
from tests.archive.faultdb import free, stored_objects
from tests.certs.throwaway import throwaway_pki

A, B = "000.00.00.H01", "000.00.00.H02"
SECRET = b"7e1d" * 16
INBOX = "/api/v1/exchange/inbox"


class _Handler(BaseHTTPRequestHandler):
    server: Responder

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def _answer(self, body: bytes) -> None:
        answer, status = b"", 503
        if self.path.startswith("/pki/") and self.server.pki is not None:
            url = self.server.url + self.path
            source = self.server.pki
            fetch = source.post(url, body, "application/ocsp-request") if body else source.get(url)
            answer, status = asyncio.run(fetch), 200
        elif self.path == "/api/v1/exchange/status" and self.server.peer_up:
            self.server.statuses.append(body)
            answer, status = b"{}", 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Responder(ThreadingHTTPServer):
    """On 127.0.0.1: a CA's OCSP/CRL server (down until ``pki`` is set) and agency A's status
    endpoint (down until ``peer_up``)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pki: PkiUrlSource | None = None
        self.peer_up = False
        self.statuses: list[bytes] = []
        self.hostport = f"127.0.0.1:{self.server_address[1]}"
        self.url = f"http://{self.hostport}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def responder() -> Iterator[Responder]:
    server = Responder()
    yield server
    server.shutdown()
    server.server_close()


def _agency_b(tmp_path: Path, responder: Responder, database_url: str | None = None) -> Services:
    settings = Settings(
        data_dir=tmp_path / "b", database_url=database_url, agency_code=B,
        agency_name="Sở Xây dựng", verify_workers=0, revocation_cache_seconds=0,
        fetch_allow_hosts=responder.hostport, fetch_timeout_seconds=5, rate_exchange_per_minute=5,
    )  # fmt: skip
    services = build_services(settings)
    services.ensure_pki()
    ExchangeStore(services.engine, settings.data_dir).add_peer(
        Peer(A, "UBND Quận Hoàn Kiếm", responder.url), SECRET, datetime.now(UTC)
    )
    return services


def _package(document_id: str, *pdfs: bytes) -> bytes:
    header = Header(
        sender=Organ(A, "UBND Quận Hoàn Kiếm"), receiver=Organ(B, "Sở Xây dựng"),
        document_id=document_id, code_number="130", code_notation="QĐ-UBND", place="Hà Nội",
        promulgation_date=date(2026, 11, 23), document_type="Quyết định",
        subject="Cấp phép xây dựng",
    )  # fmt: skip
    items = tuple(
        Attachment(f"cid:{n}", f"qd-{n}.pdf", "application/pdf", pdf) for n, pdf in enumerate(pdfs)
    )
    return build_package(Package(header, (Trace(A, datetime.now(UTC)),), items))


def _receive(services: Services, body: bytes) -> tuple[str, str, list[bytes]]:
    creds = auth.Credentials(A, B, datetime.now(UTC), INBOX)
    arrival = receive(services, auth.sign(SECRET, creds, body), INBOX, body)
    return arrival.message.id, arrival.message.state, list(arrival.statuses)


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _refuse_signed_versions(engine: sa.Engine) -> None:
    """The database refuses (as a full disk) the first PDF's row, after the package's."""
    name = "kyso_fault_archive_versions_insert"
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; END $$"
            ))  # fmt: skip
            conn.execute(sa.text(
                f"CREATE TRIGGER {name} BEFORE INSERT ON archive_versions FOR EACH ROW "
                f"WHEN (NEW.kind = 'signed') EXECUTE FUNCTION {name}()"
            ))  # fmt: skip
        else:
            conn.execute(sa.text(
                f"CREATE TRIGGER {name} BEFORE INSERT ON archive_versions WHEN NEW.kind = "
                "'signed' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            ))  # fmt: skip


@pytest.mark.faults
@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_an_arrival_the_archive_refuses_half_way_leaves_nothing_and_its_resend_is_archived(
    tmp_path: Path, responder: Responder, database: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if database == "postgres" else None
    services = _agency_b(tmp_path, responder, url)
    try:
        pdfs = (citizen_signed_pdf(services), citizen_signed_pdf(services, "001203004599"))
        body = _package("lt-fault-1", *pdfs)
        engine = services.catalog.engine
        _refuse_signed_versions(engine)
        with pytest.raises(sa.exc.DBAPIError):
            _receive(services, body)
        for table in (t.dossiers, t.documents, t.versions, t.pending_ingests):
            assert _count(engine, table) == 0, table.name
        assert stored_objects(services.archive.store) == []
        exchange = ExchangeStore(services.engine, services.settings.data_dir)
        assert exchange.messages("in") == []

        free(engine)
        message_id, state, statuses = _receive(services, body)  # the same bytes, sent again
        assert state == "archived"
        codes = [parse_status(s).code for s in statuses]
        assert codes == [StatusCode.RECEIVED, StatusCode.ACCEPTED]
        arrived = exchange.get(message_id)
        assert len(arrived.documents) == 3 and arrived.archive_dossier == f"LT-{message_id}"
        assert len(stored_objects(services.archive.store)) == 3
        with pytest.raises(ExchangeDuplicateError):
            _receive(services, body)  # a package that succeeded is still a duplicate
    finally:
        services.close()


def _throwaway_signed(folder: Path, responder_url: str) -> tuple[bytes, PkiUrlSource, bytes]:
    """A PDF signed (B-B) by a new CA's citizen whose OCSP and CRLs are at ``responder_url``;
    the CA's answers (to serve once the responder is up) and its root (PEM)."""
    ca = throwaway_pki(folder, responder_url)
    citizen = ca.pki.issue_citizen("Lê Văn Cường", "079203005678")
    signed = ca.sign(citizen.serial, make_pdf())
    return signed, PkiUrlSource(ca.pki), ca.root_pem().read_bytes()


def _make_due(services: Services) -> None:
    """The backoff elapsed: every retry is due now."""
    with services.engine.begin() as conn:
        conn.execute(sa.update(RetryRow).values(next_at=datetime.now(UTC) - timedelta(seconds=1)))


def test_a_package_whose_revocation_server_is_down_is_held_then_accepted_when_it_answers(
    tmp_path: Path, responder: Responder
) -> None:
    services = _agency_b(tmp_path, responder)
    try:
        pdf, answers, root = _throwaway_signed(tmp_path / "ca", responder.url)
        services.pki.trust_add(root)
        message_id, state, statuses = _receive(services, _package("lt-held-1", pdf))
        assert state == "held"  # not refused: the revocation server did not answer
        assert [parse_status(s).code for s in statuses] == [StatusCode.RECEIVED]
        exchange = ExchangeStore(services.engine, services.settings.data_dir)
        held = exchange.get(message_id)
        assert held.documents == () and held.archive_dossier is None
        assert "TRY_LATER" in (held.reason or "")
        assert services.catalog.find_dossier(f"LT-{message_id}") is None
        assert retry_due(services).verified == ()  # not due yet: the backoff

        _make_due(services)
        again = retry_due(services)  # still down: still held, tried later
        assert again.verified == ((message_id, "held"),)

        responder.pki = answers  # the OCSP/CRL server answers again
        accepted = reverify(services, message_id)  # as `kyso exchange receive MSG --reverify`
        assert accepted.state == "archived" and len(accepted.documents) == 2
        assert [(e.code, e.delivered) for e in accepted.trail] == [
            (StatusCode.RECEIVED, True),
            (StatusCode.ACCEPTED, False),
        ]  # fmt: skip  (A is down)
        assert not (services.settings.data_dir / "exchange" / "held" / f"{message_id}.xml").exists()

        responder.peer_up = True
        _make_due(services)
        report = retry_due(services)
        assert report.delivered == (message_id,)
        assert all(e.delivered for e in exchange.get(message_id).trail)
        [posted] = responder.statuses
        assert parse_status(posted).code is StatusCode.ACCEPTED
        assert exchange.due(datetime.now(UTC) + timedelta(days=1)) == []
    finally:
        services.close()


def test_a_peer_is_held_to_its_rate_limit(tmp_path: Path, responder: Responder) -> None:
    from api.exchange_inbox import authenticate

    services = _agency_b(tmp_path, responder)
    try:
        body = b"<edXML/>"
        for _n in range(5):
            creds = auth.Credentials(A, B, datetime.now(UTC), INBOX)
            assert authenticate(services, auth.sign(SECRET, creds, body), INBOX, body) == A
        creds = auth.Credentials(A, B, datetime.now(UTC), INBOX)
        with pytest.raises(RateLimited):
            authenticate(services, auth.sign(SECRET, creds, body), INBOX, body)
    finally:
        services.close()
