"""Inter-agency exchange (issue 15 part 2) between two running ``kyso serve`` (two data dirs,
two ports): a signed result sent from A arrives on B verified and archived, the status trail
(01, 03, then 04 and 06 sent back by B) is seen on A; a package whose attachment's signature
fails is refused with status 02 and the reason, nothing archived on B; a replay and a tampered
request are refused with their codes. The archived package validates against kyso's XSD with
lxml here."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from apitools import citizen_signed_pdf, tampered
from asn1crypto import pem
from lxml import etree
from servetools import Served, kyso_served

from api.exchange_store import ExchangeStore, Peer
from archive.metadata import DocumentMeta
from onestop.exchange import auth
from onestop.exchange.edxml import build_package
from onestop.exchange.model import Attachment, Header, Organ, Package, Trace
from onestop.exchange.xmltools import SCHEMA
from tests.serving import KYSO

pytestmark = pytest.mark.slow
A, B = "000.00.00.H01", "000.00.00.H02"
SECRET = b"9f2c" * 16


@dataclass
class Pair:
    a: Served
    b: Served


def _env(code: str, name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"KYSO_AGENCY_CODE": code, "KYSO_AGENCY_NAME": name, "KYSO_VERIFY_WORKERS": "1",
            **(extra or {})}  # fmt: skip


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    env_a = _env(A, "UBND Quận Hoàn Kiếm")
    with kyso_served(tmp_path_factory.mktemp("agency-a"), env_a) as a:
        port_a = a.url.rsplit(":", 1)[1]
        # B may fetch A's OCSP/CRL (a loopback address, so named)
        env_b = _env(B, "Sở Xây dựng", {"KYSO_FETCH_ALLOW_HOSTS": f"127.0.0.1:{port_a}"})
        with kyso_served(tmp_path_factory.mktemp("agency-b"), env_b) as b:
            now = datetime.now(UTC)
            ExchangeStore(a.kyso.services.engine, a.data).add_peer(
                Peer(B, "Sở Xây dựng", b.url), SECRET, now
            )
            ExchangeStore(b.kyso.services.engine, b.data).add_peer(
                Peer(A, "UBND Quận Hoàn Kiếm", a.url), SECRET, now
            )
            root = a.kyso.services.pki.authority_certificate("root")
            b.kyso.services.pki.trust_add(pem.armor("CERTIFICATE", root.dump()))
            yield Pair(a, b)


def _archived(served: Served, pdf: bytes, notation: str) -> str:
    stored = served.kyso.services.archive.put(
        io.BytesIO(pdf),
        dossier_code="HS-LT-1",
        meta=DocumentMeta(
            title="Quyết định cấp phép xây dựng",
            number_notation=notation,
            document_type="Quyết định",
        ),
        kind="signed",
        media_type="application/pdf",
    )
    return stored.document_id


def _send(pair: Pair, document_id: str) -> httpx.Response:
    return httpx.post(
        f"{pair.a.url}/api/v1/exchange/outbox",
        json={"to": B, "document_id": document_id},
        headers=pair.a.kyso.headers("official"),
        timeout=180,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _status(pair: Pair, message_id: str, code: str, text: str = "") -> httpx.Response:
    return httpx.post(
        f"{pair.b.url}/api/v1/exchange/messages/{message_id}/status",
        json={"code": code, "description": text},
        headers=pair.b.kyso.headers("official"),
        timeout=60,
    )


def _audited(served: Served, subject: str) -> list[str]:
    """The actions of the archive's hash-chained audit log about ``subject``, in order."""
    from sqlalchemy import select

    from archive.catalog.tables import audit_log

    stmt = select(audit_log.c.action).where(audit_log.c.subject == subject)
    with served.kyso.services.engine.connect() as conn:
        return [str(a) for a in conn.scalars(stmt.order_by(audit_log.c.seq))]


def _a_env(pair: Pair) -> dict[str, str]:
    """The environment of A's command line."""
    return {**os.environ, "KYSO_DATA_DIR": str(pair.a.data), "KYSO_AGENCY_CODE": A,
            "KYSO_AGENCY_NAME": "UBND Quận Hoàn Kiếm", "KYSO_PUBLIC_URL": pair.a.url}  # fmt: skip


def _codes(message: dict[str, object]) -> list[str]:
    return [str(t["code"]) for t in message["trail"]]  # type: ignore[attr-defined]


def _on_b(pair: Pair, document_id: str) -> dict[str, object]:
    messages = httpx.get(
        f"{pair.b.url}/api/v1/exchange/messages", headers=pair.b.kyso.headers("official")
    ).json()
    [found] = [m for m in messages if m["document_id"] == document_id]
    return dict(found)


def test_a_signed_result_arrives_verified_and_archived_and_the_trail_reaches_the_sender(
    pair: Pair,
) -> None:
    signed = citizen_signed_pdf(pair.a.kyso.services)
    sent = _send(pair, _archived(pair.a, signed, "123/QĐ-UBND"))
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert _codes(message) == ["01", "03"] and message["state"] == "sent", message
    arrival = _on_b(pair, message["document_id"])
    assert arrival["state"] == "archived" and arrival["notation"] == "123/QĐ-UBND"
    package_id, pdf_id = arrival["documents"]  # type: ignore[misc]
    archive_b = pair.b.kyso.services.archive
    _version, chunks = archive_b.read(pdf_id)
    assert b"".join(chunks) == signed
    record = pair.b.kyso.services.catalog.document(pdf_id)
    assert record.meta.number_notation == "123/QĐ-UBND"
    assert record.meta.issuing_body == "UBND Quận Hoàn Kiếm"
    _version, chunks = archive_b.read(package_id)
    package = etree.fromstring(b"".join(chunks))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(package), schema.error_log

    # B moves it on: 04 from the CLI, 06 from the API; both reach A's trail
    env = {**os.environ, "KYSO_DATA_DIR": str(pair.b.data), "KYSO_AGENCY_CODE": B,
           "KYSO_AGENCY_NAME": "Sở Xây dựng", "KYSO_PUBLIC_URL": pair.b.url}  # fmt: skip
    cli = subprocess.run(
        [KYSO, "exchange", "receive", str(arrival["id"]), "--status", "04", "--staff", "Trần B"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    # A cannot be reached: 05 is kept on B as not delivered, then sent again
    exchange_b = ExchangeStore(pair.b.kyso.services.engine, pair.b.data)
    exchange_b.add_peer(Peer(A, "UBND Quận Hoàn Kiếm", "http://127.0.0.1:9"), SECRET, _now())
    lost = _status(pair, str(arrival["id"]), "05")
    assert lost.status_code == 503 and lost.json()["error"]["code"] == "exchange_peer_unreachable"
    assert [t.delivered for t in exchange_b.get(str(arrival["id"])).trail][-1] is False
    exchange_b.add_peer(Peer(A, "UBND Quận Hoàn Kiếm", pair.a.url), SECRET, _now())
    resent = subprocess.run(
        [KYSO, "exchange", "receive", str(arrival["id"]), "--resend"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert resent.returncode == 0, resent.stderr
    assert "not delivered" not in resent.stdout
    _status(pair, str(arrival["id"]), "06", "Đã xử lý xong")
    trail = httpx.get(
        f"{pair.a.url}/api/v1/exchange/messages/{message['id']}",
        headers=pair.a.kyso.headers("official"),
    ).json()
    assert _codes(trail) == ["01", "03", "04", "05", "06"]
    assert trail["trail"][2]["staff"] == "Trần B"
    assert trail["trail"][4]["description"] == "Đã xử lý xong"
    # on A: 01 and 03 in B's answer, then the send itself, then 04, 05, 06 posted by B
    received = "exchange.status_received"
    assert _audited(pair.a, message["id"]) == [received, received, "exchange.sent", *[received] * 3]
    assert _audited(pair.b, str(arrival["id"])) == ["exchange.received", *["exchange.status"] * 3]
    again = _status(pair, str(arrival["id"]), "05")
    assert again.status_code == 409 and again.json()["error"]["code"] == "exchange_status_illegal"


def test_a_package_whose_signature_fails_is_refused_with_the_reason_and_nothing_archived(
    pair: Pair,
) -> None:
    broken = tampered(citizen_signed_pdf(pair.a.kyso.services, "001203004568"))
    sent = _send(pair, _archived(pair.a, broken, "124/QĐ-UBND"))
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert _codes(message) == ["01", "02"] and message["state"] == "refused"
    reason = message["trail"][1]["description"]
    assert "TOTAL_FAILED" in reason and ".pdf" in reason, reason
    arrival = _on_b(pair, message["document_id"])
    assert arrival["state"] == "refused" and arrival["documents"] == []
    assert arrival["archive_dossier"] is None
    catalog = pair.b.kyso.services.catalog
    assert catalog.find_dossier(f"LT-{arrival['id']}") is None


def _package(pdf: bytes, document_id: str) -> bytes:
    header = Header(
        sender=Organ(A, "UBND Quận Hoàn Kiếm"), receiver=Organ(B, "Sở Xây dựng"),
        document_id=document_id, code_number="125", code_notation="QĐ-UBND", place="Hà Nội",
        promulgation_date=date(2026, 11, 23), document_type="Quyết định",
        subject="Cấp phép xây dựng",
    )  # fmt: skip
    item = Attachment("cid:1", "qd.pdf", "application/pdf", pdf)
    return build_package(Package(header, (Trace(A, datetime.now(UTC)),), (item,)))


def _post(pair: Pair, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    path = "/api/v1/exchange/inbox"
    creds = auth.Credentials(A, B, datetime.now(UTC), path)
    signed = headers or auth.sign(SECRET, creds, body)
    return httpx.post(pair.b.url + path, content=body, headers=signed, timeout=180)


def test_a_replayed_or_tampered_request_is_refused_and_stored_once(pair: Pair) -> None:
    body = _package(citizen_signed_pdf(pair.a.kyso.services, "001203004569"), "replay-1")
    creds = auth.Credentials(A, B, datetime.now(UTC), "/api/v1/exchange/inbox")
    headers = auth.sign(SECRET, creds, body)
    first = _post(pair, body, headers)
    assert first.status_code == 200, first.text
    assert len(first.json()["statuses"]) == 2
    replay = _post(pair, body, headers)  # the very same request
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "exchange_duplicate"
    resent = _post(pair, body)  # the same bytes, a fresh MAC
    assert resent.status_code == 409 and resent.json()["error"]["code"] == "exchange_duplicate"
    at = body.index(b"<Subject>") + len(b"<Subject>")
    changed = body[:at] + b"X" + body[at + 1 :]
    forged = _post(pair, changed, headers)  # the body changed under the first MAC
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "exchange_bad_mac"
    stranger = _post(pair, body, {**headers, auth.FROM: "000.00.00.H99"})
    assert stranger.status_code == 401
    digest = hashlib.sha256(body).hexdigest()
    messages = ExchangeStore(pair.b.kyso.services.engine, pair.b.data).messages("in")
    assert [m.package_sha256 for m in messages].count(digest) == 1


def test_a_dossiers_result_is_sent_from_the_command_line(pair: Pair) -> None:
    from sqlalchemy.orm import sessionmaker

    from api.dossiers import SqlDossiers
    from onestop.model import Dossier
    from onestop.status import DossierStatus

    signed = citizen_signed_pdf(pair.a.kyso.services, "001203004570")
    result = _archived(pair.a, signed, "126/QĐ-UBND")
    now = _now()
    SqlDossiers(sessionmaker(pair.a.kyso.services.engine)).add(
        Dossier(
            code="HS0000000126",
            service="Cấp giấy phép xây dựng",
            agency="UBND",
            owner="citizen1",
            status=DossierStatus.RETURNED,
            submitted_at=now,
            promised_at=now,
            returned_at=now,
            submission_document=result,
            submission_indication="TOTAL_PASSED",
            result_document=result,
        )
    )
    env = _a_env(pair)
    sent = subprocess.run(
        [KYSO, "exchange", "send", "--dossier", "HS0000000126", "--to", B],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "126/QĐ-UBND" in sent.stdout and "03 Đã tiếp nhận" in sent.stdout, sent.stdout
    assert "Cấp giấy phép xây dựng" in sent.stdout  # the subject: the dossier's service
    unknown = subprocess.run(
        [KYSO, "exchange", "send", "--dossier", "HS0000000126", "--to", "000.00.00.H77"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert unknown.returncode == 4 and "exchange_unknown_peer" in unknown.stderr


def test_a_package_its_receiver_cannot_take_is_sent_again_by_itself(pair: Pair) -> None:
    """B cannot be reached: the send answers 503 and says the package waits; once the backoff
    has elapsed it is sent again, the same bytes (from A's command line, which runs what is
    due first): B archives it, A's trail is 01 03; sent again once more after an answer was
    lost, B already has it and A settles it as sent."""
    from sqlalchemy import update

    from api.exchange_models import MessageRow, RetryRow

    exchange_a = ExchangeStore(pair.a.kyso.services.engine, pair.a.data)

    def send_while_b_is_down(cccd: str, notation: str) -> str:
        exchange_a.add_peer(Peer(B, "Sở Xây dựng", "http://127.0.0.1:9"), SECRET, _now())
        try:
            lost = _send(pair, _archived(pair.a, citizen_signed_pdf(pair.a.kyso.services, cccd),
                                         notation))  # fmt: skip
        finally:
            exchange_a.add_peer(Peer(B, "Sở Xây dựng", pair.b.url), SECRET, _now())
        error = lost.json()["error"]
        assert lost.status_code == 503 and error["code"] == "exchange_peer_unreachable", lost.text
        assert "sent again by itself" in error["message"]
        [waiting] = [m for m in exchange_a.messages() if m.state == "retrying"]
        return waiting.id

    def run_what_is_due() -> str:
        with pair.a.kyso.services.engine.begin() as conn:  # the backoff elapsed
            conn.execute(update(RetryRow).values(next_at=datetime(2000, 1, 1, tzinfo=UTC)))
        done = subprocess.run([KYSO, "exchange", "status"], env=_a_env(pair), capture_output=True,
                              text=True, timeout=180)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    message_id = send_while_b_is_down("001203004571", "127/QĐ-UBND")
    outbox = pair.a.data / "exchange" / "outbox" / f"{message_id}.xml"
    assert outbox.stat().st_mode & 0o777 == 0o600
    assert exchange_a.get(message_id).trail == ()  # nothing reached B
    assert f"{message_id}: gửi lại / sent again -> sent" in run_what_is_due()
    sent = exchange_a.get(message_id)
    assert sent.state == "sent" and [t.code.value for t in sent.trail] == ["01", "03"]
    arrival = _on_b(pair, sent.document_id)
    assert arrival["state"] == "archived" and arrival["notation"] == "127/QĐ-UBND"
    assert not outbox.exists() and exchange_a.due(datetime(2100, 1, 1, tzinfo=UTC)) == []

    # the package reached B but its answer was lost: sent again, B has it, A settles it
    message_id = send_while_b_is_down("001203004572", "128/QĐ-UBND")
    outbox = pair.a.data / "exchange" / "outbox" / f"{message_id}.xml"
    body = outbox.read_bytes()
    creds = auth.Credentials(A, B, _now(), "/api/v1/exchange/inbox")
    headers = {**auth.sign(SECRET, creds, body), "Content-Type": "application/xml"}
    taken = httpx.post(f"{pair.b.url}/api/v1/exchange/inbox", content=body, headers=headers,
                       timeout=180)  # fmt: skip
    assert taken.status_code == 200, taken.text
    assert f"{message_id}: gửi lại / sent again -> sent" in run_what_is_due()
    settled = exchange_a.get(message_id)
    assert settled.state == "sent" and "already had it" in (settled.reason or "")
    assert not outbox.exists()
    assert _on_b(pair, settled.document_id)["state"] == "archived"  # once: B's duplicate rule

    # not taken for more than three days: given up, said so, nothing left waiting
    message_id = send_while_b_is_down("001203004573", "129/QĐ-UBND")
    with pair.a.kyso.services.engine.begin() as conn:
        old = datetime.now(UTC) - timedelta(days=4)
        conn.execute(update(MessageRow).where(MessageRow.id == message_id).values(created_at=old))
    exchange_a.add_peer(Peer(B, "Sở Xây dựng", "http://127.0.0.1:9"), SECRET, _now())
    try:
        assert f"{message_id}: gửi lại / sent again -> failed" in run_what_is_due()
    finally:
        exchange_a.add_peer(Peer(B, "Sở Xây dựng", pair.b.url), SECRET, _now())
    given_up = exchange_a.get(message_id)
    assert given_up.state == "failed" and "not taken in 3 days" in (given_up.reason or "")
    assert not (pair.a.data / "exchange" / "outbox" / f"{message_id}.xml").exists()
    assert exchange_a.due(datetime(2100, 1, 1, tzinfo=UTC)) == []
