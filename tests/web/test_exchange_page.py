"""The exchange page in Chromium: an official sees what was sent and received with the status
trails (a refusal with its reason), moves an arrival on, and is told when the sender could
not be reached (the status kept as not delivered); a held arrival is verified again from the
page once its signer's OCSP server answers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from webtools import PASSWORD, Live

from api.exchange_store import ExchangeStore, Message, Peer, TrailEntry
from certs.sources import PkiUrlSource
from onestop.exchange.model import StatusCode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))  # apitools
from tests.api.test_exchange_arrivals import (
    SECRET,
    A,
    B,
    Responder,
    _package,
    _receive,
    _throwaway_signed,
)

pytestmark = pytest.mark.browser
PEER = "000.00.00.H02"


@pytest.fixture
def agency(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server's settings read this agency's code from the environment."""
    monkeypatch.setenv("KYSO_AGENCY_CODE", "000.00.00.H01")
    monkeypatch.setenv("KYSO_AGENCY_NAME", "UBND Phường Tràng Tiền")


def _message(id_: str, direction: str, state: str, at: datetime) -> Message:
    return Message(
        id=id_, direction=direction, peer=PEER, document_id=f"doc-{id_}", package_sha256=id_ * 4,
        notation="123/QĐ-UBND", subject=f"Cấp phép xây dựng {id_}", state=state, reason=None,
        documents=(), archive_dossier=None, actor="official1", created_at=at,
    )  # fmt: skip


def test_an_official_follows_the_trails_and_moves_an_arrival_on(
    agency: None, live: Live, page: Page
) -> None:
    exchange = ExchangeStore(live.services.engine, live.services.settings.data_dir)
    now = datetime.now(UTC)
    # a peer that does not answer (nothing listens on the discard port)
    exchange.add_peer(Peer(PEER, "Sở Xây dựng", "http://127.0.0.1:9"), b"k" * 32, now)
    exchange.add(_message("out1", "out", "refused", now))
    exchange.append("out1", TrailEntry(StatusCode.RECEIVED, "Đã đến", now, "", True))
    reason = "Từ chối / refused: qd.pdf: signature TOTAL_FAILED/HASH_FAILURE"
    later = now + timedelta(seconds=1)
    exchange.append("out1", TrailEntry(StatusCode.REFUSED, reason, later, "", True))
    exchange.add(_message("in1", "in", "archived", now))
    exchange.append("in1", TrailEntry(StatusCode.RECEIVED, "Đã đến", now, "", True))
    exchange.append("in1", TrailEntry(StatusCode.ACCEPTED, "Đã tiếp nhận", later, "", True))

    page.goto(f"{live.url}/officer/exchange")
    page.get_by_label("Tên đăng nhập").fill("official1")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(
        page.get_by_role("heading", name="Liên thông văn bản / Inter-agency exchange")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Liên thông")).to_have_attribute(
        "href", "/officer/exchange"
    )
    sent = page.locator("#m-out1")
    expect(sent.locator(".status-02")).to_contain_text("02 Từ chối")
    expect(sent.locator(".status-02")).to_contain_text("HASH_FAILURE")
    arrival = page.locator("#m-in1")
    expect(arrival.locator(".status-03")).to_contain_text("03 Đã tiếp nhận")

    arrival.get_by_label("Trạng thái / Status").select_option("04")
    arrival.get_by_label("Ghi chú / Note").fill("Giao phòng Quản lý đô thị")
    arrival.get_by_role("button", name="Cập nhật / Update").click()
    expect(page.get_by_role("alert")).to_contain_text("exchange_peer_unreachable")
    moved = page.locator("#m-in1 .status-04")
    expect(moved).to_contain_text("04 Phân công")
    expect(moved).to_contain_text("Giao phòng Quản lý đô thị")
    expect(moved).to_contain_text("not delivered")

    page.get_by_label("Mã văn bản lưu trữ / Archived document id").fill("d-nothing")
    page.get_by_role("button", name="Gửi / Send").click()
    expect(page.get_by_role("alert")).to_contain_text("archive_")
    assert [m.state for m in exchange.messages("out")] == ["refused"]  # nothing half-sent


@pytest.fixture
def agency_b(monkeypatch: pytest.MonkeyPatch) -> Iterator[Responder]:
    """The live server is agency B, fetching revocation answers only from a responder on
    loopback (down until its ``pki`` is set) that is also agency A."""
    responder = Responder()
    for name, value in (("AGENCY_CODE", B), ("AGENCY_NAME", "Sở Xây dựng"),
                        ("FETCH_ALLOW_HOSTS", responder.hostport), ("FETCH_TIMEOUT_SECONDS", "5"),
                        ("REVOCATION_CACHE_SECONDS", "0"), ("VERIFY_WORKERS", "0")):  # fmt: skip
        monkeypatch.setenv(f"KYSO_{name}", value)
    yield responder
    responder.shutdown()
    responder.server_close()


def test_an_official_verifies_a_held_arrival_again_once_its_ocsp_server_answers(
    agency_b: Responder, live: Live, page: Page, tmp_path: Path
) -> None:
    services = live.services
    ExchangeStore(services.engine, services.settings.data_dir).add_peer(
        Peer(A, "UBND Quận Hoàn Kiếm", agency_b.url), SECRET, datetime.now(UTC)
    )

    def held_arrival() -> tuple[PkiUrlSource, str, str]:
        pdf, answers, root = _throwaway_signed(tmp_path / "ca", agency_b.url)
        services.pki.trust_add(root)
        message_id, state, _statuses = _receive(services, _package("lt-held-web", pdf))
        return answers, message_id, state

    # signing and receiving run their own event loops: not in this thread, where Playwright's is
    with ThreadPoolExecutor(1) as pool:
        answers, message_id, state = pool.submit(held_arrival).result()
    assert state == "held"

    page.goto(f"{live.url}/officer/exchange")
    page.get_by_label("Tên đăng nhập").fill("official1")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    arrival = page.locator(f"#m-{message_id}")
    expect(arrival).to_contain_text("held")
    expect(arrival).to_contain_text("TRY_LATER")
    arrival.get_by_role("button", name="Xác minh lại / Verify again").click()
    expect(arrival).to_contain_text("held")  # the server is still down: still held

    agency_b.pki = answers  # the OCSP/CRL server answers again
    arrival.get_by_role("button", name="Xác minh lại / Verify again").click()
    expect(arrival.locator(".status-03")).to_contain_text("03 Đã tiếp nhận")
    expect(arrival).to_contain_text(f"LT-{message_id}")
    expect(arrival.get_by_role("button", name="Xác minh lại / Verify again")).to_have_count(0)
    assert services.catalog.find_dossier(f"LT-{message_id}") is not None
