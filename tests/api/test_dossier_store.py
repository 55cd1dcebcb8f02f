"""The desk's SQL repository (``api.dossiers.SqlDossiers``) on SQLite and PostgreSQL: what the
in-memory twin of tests/onestop promises, against the real tables."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from api.dossiers import SqlDossiers
from onestop.access import Scope
from onestop.status import DossierStatus
from tests.onestop.desk_fakes import a_dossier


def _store(engine: Engine) -> SqlDossiers:
    return SqlDossiers(sessionmaker(engine, expire_on_commit=False))


def test_a_dossier_reads_back_as_it_was_stored_status_and_moments_included(engine: Engine) -> None:
    store = _store(engine)
    dossier = a_dossier("HSSTORE00001")
    store.add(dossier)
    assert store.get("HSSTORE00001") == dossier
    assert store.get("HSNONE") is None
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT status FROM api_dossier")).scalar_one()
    assert stored == "submitted"


def test_search_keeps_to_its_scope_newest_first(engine: Engine) -> None:
    store = _store(engine)
    start = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    for n, (owner, agency) in enumerate([("c1", "A"), ("c2", "A"), ("c1", "B")]):
        store.add(
            a_dossier(f"HS{n}", owner=owner, agency=agency, submitted_at=start + timedelta(n))
        )
    assert [d.code for d in store.search(Scope())] == ["HS2", "HS1", "HS0"]
    assert [d.code for d in store.search(Scope(owner="c1"))] == ["HS2", "HS0"]
    assert [d.code for d in store.search(Scope(agency="A"))] == ["HS1", "HS0"]
    assert store.search(Scope(empty=True)) == []


def test_a_return_is_written_once_whoever_writes_second_is_told(engine: Engine) -> None:
    store = _store(engine)
    dossier = a_dossier("HSRACE000001")
    store.add(dossier)
    moment = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    outcomes: list[bool] = []
    barrier = threading.Barrier(4)

    def official(n: int) -> None:
        after = dataclasses.replace(
            dossier,
            status=DossierStatus.RETURNED,
            result_document=f"d{n}",
            returned_at=moment,
            handled_by=f"official{n}",
        )
        barrier.wait()
        outcomes.append(store.replace(dossier, after))

    threads = [threading.Thread(target=official, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    stored = store.get("HSRACE000001")
    assert stored is not None and stored.status is DossierStatus.RETURNED
    assert stored.returned_at == moment
    winner = (stored.result_document or "").removeprefix("d")
    assert stored.handled_by == f"official{winner}"  # one writer's whole row, not a mix
