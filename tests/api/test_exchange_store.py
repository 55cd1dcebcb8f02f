"""The exchange's SQL records (api/exchange_store.py) on SQLite and PostgreSQL: a message and
its trail read back as stored; the same document id from a peer, or the same package bytes,
is stored once even when two copies arrive at once; a status is recorded once; a peer's
secret is a 0600 file, not a column."""

from __future__ import annotations

import dataclasses
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from api.exchange_store import ExchangeStore, Message, Peer, TrailEntry
from onestop.exchange.errors import ExchangeDuplicateError, ExchangeInputError
from onestop.exchange.model import StatusCode

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


def _message(id_: str, document_id: str = "doc-1", digest: str = "a" * 64) -> Message:
    return Message(
        id=id_, direction="in", peer="000.00.00.H01", document_id=document_id,
        package_sha256=digest, notation="123/QĐ-UBND", subject="Cấp phép", state="received",
        reason=None, documents=(), archive_dossier=None, actor="exchange:000.00.00.H01",
        created_at=AT,
    )  # fmt: skip


def test_a_message_and_its_trail_read_back_in_order(engine: Engine, tmp_path: Path) -> None:
    store = ExchangeStore(engine, tmp_path)
    store.add(_message("m1"))
    store.append("m1", TrailEntry(StatusCode.RECEIVED, "Đã đến", AT, "", True))
    later = AT + timedelta(seconds=2)
    store.append("m1", TrailEntry(StatusCode.ACCEPTED, "Đã tiếp nhận", later, "Văn thư", False))
    store.settle("m1", "archived", documents=("d-1", "d-2"), archive_dossier="LT-m1")
    got = store.get("m1")
    assert [t.code for t in got.trail] == [StatusCode.RECEIVED, StatusCode.ACCEPTED]
    assert got.trail[1].at == later and got.trail[1].delivered is False
    assert got.documents == ("d-1", "d-2") and got.state == "archived"
    assert got.latest is StatusCode.ACCEPTED
    assert dataclasses.replace(got, trail=(), state="received", documents=(),
                               archive_dossier=None) == _message("m1")  # fmt: skip
    store.mark_delivered("m1", StatusCode.ACCEPTED)
    assert store.get("m1").trail[1].delivered is True
    with pytest.raises(ExchangeDuplicateError):
        store.append("m1", TrailEntry(StatusCode.ACCEPTED, "again", later, "", True))


def test_a_duplicate_or_replay_is_stored_once_even_at_once(engine: Engine, tmp_path: Path) -> None:
    store = ExchangeStore(engine, tmp_path)
    store.add(_message("m1"))
    for copy in (_message("m2"), _message("m3", document_id="doc-9")):  # same id / same bytes
        with pytest.raises(ExchangeDuplicateError):
            store.add(copy)
    assert store.seen("in", "000.00.00.H01", "doc-1", "b" * 64)
    assert store.seen("in", "000.00.00.H02", "doc-2", "a" * 64)
    assert not store.seen("in", "000.00.00.H02", "doc-1", "b" * 64)

    outcomes: list[str] = []
    start = threading.Barrier(4)

    def arrive(n: int) -> None:
        start.wait()
        try:
            store.add(_message(f"race{n}", document_id="doc-race", digest="c" * 64))
            outcomes.append("stored")
        except ExchangeDuplicateError:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=arrive, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "stored"]
    assert [m.document_id for m in store.messages("in")].count("doc-race") == 1


def test_a_peers_secret_is_a_private_file_not_a_column(engine: Engine, tmp_path: Path) -> None:
    store = ExchangeStore(engine, tmp_path)
    store.add_peer(Peer("000.00.00.H02", "Sở Xây dựng", "https://b.example/"), b"k" * 32, AT)
    assert store.peer("000.00.00.H02") == Peer("000.00.00.H02", "Sở Xây dựng", "https://b.example")
    assert store.secret("000.00.00.H02") == b"k" * 32
    path = tmp_path / "secrets" / "exchange" / "000.00.00.H02.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    columns = {c["name"] for c in inspect(engine).get_columns("api_exchange_peer")}
    assert columns == {"code", "name", "url", "created_at"}
    store.add_peer(Peer("000.00.00.H02", "Sở XD", "https://b2.example"), b"n" * 32, AT)
    assert store.secret("000.00.00.H02") == b"n" * 32 and len(store.peers()) == 1
    with pytest.raises(ExchangeInputError):
        store.add_peer(Peer("000.00.00.H03", "X", "https://c"), b"short", AT)
    with pytest.raises(ExchangeInputError):
        store.add_peer(Peer("../../etc", "X", "https://c"), b"k" * 32, AT)
