"""The agencies' document registers (``api.numbering.SqlNumberRegister``) on SQLite and
PostgreSQL: 1, 2, 3 per agency, type and year, no gap and no duplicate, even at once; a number
given back is taken again; a number is issued only with the dossier's return."""

from __future__ import annotations

import dataclasses
import multiprocessing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from concurrency import at_once
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from api.database import make_engine, migrate
from api.dossiers import SqlDossiers
from api.numbering import SqlNumberRegister
from onestop.model import Dossier
from onestop.numbering import LEASE, NumberReservationLostError, RegisterKey
from onestop.status import DossierStatus
from tests.onestop.desk_fakes import AGENCY, a_dossier

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
DECISIONS = RegisterKey(AGENCY, "QĐ", 2026)


def _register(engine: Engine) -> SqlNumberRegister:
    return SqlNumberRegister(sessionmaker(engine, expire_on_commit=False))


def _dossiers(engine: Engine, count: int) -> list[Dossier]:
    store = SqlDossiers(sessionmaker(engine, expire_on_commit=False))
    made = [a_dossier(f"HSNUM{n:07d}") for n in range(count)]
    for dossier in made:
        store.add(dossier)
    return made


def _returned(dossier: Dossier, document: str) -> Dossier:
    return dataclasses.replace(
        dossier, status=DossierStatus.RETURNED, result_document=document, returned_at=NOW
    )


def _numbers(register: SqlNumberRegister, key: RegisterKey, state: str) -> list[int]:
    return [e.number for e in register.entries(key) if e.state == state]


def test_each_register_counts_from_one_by_agency_type_and_year(engine: Engine) -> None:
    register = _register(engine)
    taken = [register.reserve(DECISIONS, "HS1", NOW).number for _ in range(3)]
    others = [
        RegisterKey(AGENCY, "GCN", 2026),
        RegisterKey(AGENCY, "QĐ", 2027),
        RegisterKey("UBND Quận Ba Đình", "QĐ", 2026),
    ]
    assert taken == [1, 2, 3]
    assert [register.reserve(key, "HS1", NOW).number for key in others] == [1, 1, 1]


def test_a_number_given_back_is_the_next_one_taken_an_issued_one_never(engine: Engine) -> None:
    register = _register(engine)
    [dossier] = _dossiers(engine, 1)
    first, second, third = (register.reserve(DECISIONS, dossier.code, NOW) for _ in range(3))
    assert register.issue(first, dossier, _returned(dossier, "doc-1"), NOW)
    register.release(second)
    register.release(second)  # twice: nothing more happens
    assert register.reserve(DECISIONS, "HS2", NOW).number == 2
    assert register.reserve(DECISIONS, "HS3", NOW).number == 4
    assert _numbers(register, DECISIONS, "issued") == [1]
    assert [e.document_id for e in register.entries(DECISIONS)][:1] == ["doc-1"]
    register.release(first)  # an issued number cannot be given back
    assert _numbers(register, DECISIONS, "issued") == [1]
    assert third.number == 3


def test_an_issued_result_is_found_by_its_document_and_by_its_number(engine: Engine) -> None:
    """What ``kyso verify-print`` asks: which register line issued a document, and which
    document a number of that register was issued to (reserved or free numbers: none)."""
    register = _register(engine)
    first, second = _dossiers(engine, 2)
    one = register.reserve(DECISIONS, first.code, NOW)
    two = register.reserve(DECISIONS, second.code, NOW)
    assert register.issue(one, first, _returned(first, "doc-1"), NOW)
    found = register.issued_as("doc-1")
    assert found is not None
    key, entry = found
    assert key == DECISIONS and entry.number == 1 and entry.dossier_code == first.code
    issued = register.issued_number(DECISIONS, 1)
    assert issued is not None and issued.document_id == "doc-1"
    assert register.issued_number(DECISIONS, two.number) is None  # only reserved
    assert register.issued_number(RegisterKey(AGENCY, "QĐ", 2025), 1) is None
    assert register.issued_as("doc-2") is None


def test_a_dossier_returned_meanwhile_issues_nothing_and_the_number_goes_back(
    engine: Engine,
) -> None:
    register = _register(engine)
    [dossier] = _dossiers(engine, 1)
    mine, theirs = (register.reserve(DECISIONS, dossier.code, NOW) for _ in range(2))
    assert register.issue(theirs, dossier, _returned(dossier, "theirs"), NOW)
    assert not register.issue(mine, dossier, _returned(dossier, "mine"), NOW)
    stored = SqlDossiers(sessionmaker(engine)).get(dossier.code)
    assert stored is not None and stored.result_document == "theirs"
    assert _numbers(register, DECISIONS, "reserved") == [1]  # rolled back: still held
    register.release(mine)
    assert register.reserve(DECISIONS, "HS9", NOW).number == 1


def test_a_reservation_past_its_lease_is_taken_over_and_cannot_be_issued_late(
    engine: Engine,
) -> None:
    register = _register(engine)
    [dossier] = _dossiers(engine, 1)
    stale = register.reserve(DECISIONS, dossier.code, NOW)
    assert register.reserve(DECISIONS, "HS2", NOW + LEASE - timedelta(seconds=1)).number == 2
    later = NOW + LEASE + timedelta(seconds=1)
    assert register.reserve(DECISIONS, "HS3", later).number == 1  # its process died
    with pytest.raises(NumberReservationLostError) as refused:
        register.issue(stale, dossier, _returned(dossier, "late"), later)
    assert refused.value.code == "number_reservation_lost"
    stored = SqlDossiers(sessionmaker(engine)).get(dossier.code)
    assert stored is not None and stored.status is DossierStatus.SUBMITTED  # not returned


def test_officials_issuing_at_once_get_one_to_n_each_once_none_lost(engine: Engine) -> None:
    count = 16 if engine.dialect.name == "postgresql" else 8
    register = _register(engine)
    dossiers = iter(_dossiers(engine, count))
    failing = {n for n in range(count) if n % 3 == 0}  # their signing fails: number back
    seen: list[int] = []

    def issue() -> int:
        dossier = next(dossiers)  # next() on one iterator from many threads: under the GIL
        index = int(dossier.code[-7:])
        reservation = register.reserve(DECISIONS, dossier.code, NOW)
        seen.append(reservation.number)
        if index in failing:
            register.release(reservation)
        else:
            assert register.issue(reservation, dossier, _returned(dossier, dossier.code), NOW)
        return reservation.number

    results = at_once(count, issue)
    assert sorted(seen) == sorted(r for r in results if isinstance(r, int))
    issued = _numbers(register, DECISIONS, "issued")
    free = _numbers(register, DECISIONS, "free")
    assert len(issued) == count - len(failing) and len(set(issued)) == len(issued)
    # no gap, no duplicate (a number given back may have been taken again meanwhile)
    top = len(issued) + len(free)
    assert sorted(issued + free) == list(range(1, top + 1))
    # the next results take the given-back numbers first, lowest first
    again = [register.reserve(DECISIONS, f"HSX{n}", NOW).number for n in range(len(free) + 1)]
    assert again == [*free, top + 1]


def _process_issues(url: str, start: int, count: int, ready: Any, go: Any) -> None:
    """One process (its own engine and connections) issuing ``count`` results."""
    engine = make_engine(url)
    register = _register(engine)
    store = SqlDossiers(sessionmaker(engine, expire_on_commit=False))
    made = [a_dossier(f"HSP{start + n:09d}") for n in range(count)]
    for dossier in made:
        store.add(dossier)
    ready.wait()
    go.wait()
    for dossier in made:
        reservation = register.reserve(DECISIONS, dossier.code, NOW)
        assert register.issue(reservation, dossier, _returned(dossier, dossier.code), NOW)
    engine.dispose()


@pytest.mark.postgres
def test_processes_issuing_at_once_on_postgresql_number_one_to_n_each_once(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    processes, each = 6, 5
    context = multiprocessing.get_context("spawn")
    ready, go = context.Barrier(processes + 1), context.Barrier(processes + 1)
    started = [
        context.Process(target=_process_issues, args=(postgres_url, p * 100, each, ready, go))
        for p in range(processes)
    ]
    for process in started:
        process.start()
    ready.wait(timeout=120)
    go.wait(timeout=10)
    for process in started:
        process.join(timeout=120)
    assert [p.exitcode for p in started] == [0] * processes
    entries = _register(engine).entries(DECISIONS)
    assert [e.number for e in entries] == list(range(1, processes * each + 1))
    assert {e.state for e in entries} == {"issued"}
    assert len({e.document_id for e in entries}) == processes * each  # each result its own
    engine.dispose()
