from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from apitools import PASSWORD, Kyso
from sqlalchemy import Engine, select

from api.accounts.models import UserRow
from api.accounts.service import AccountPolicy, Accounts, Role
from api.database import make_engine, migrate
from common.clock import FrozenClock
from common.errors import AuthenticationError, ConflictError, InputError
from tests.concurrency import at_once, outcomes


def test_login_gives_a_token_that_identifies_the_user(kyso: Kyso) -> None:
    response = kyso.client.post(
        "/api/v1/auth/token", json={"username": "archivist1", "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = kyso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "archivist"
    assert (
        kyso.client.post(
            "/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 204
    )
    again = kyso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401 and again.json()["error"]["code"] == "token_invalid"


def test_wrong_password_and_unknown_user_look_the_same(kyso: Kyso) -> None:
    for username in ("archivist1", "nobody"):
        response = kyso.client.post(
            "/api/v1/auth/token", json={"username": username, "password": "sai-mat-khau-1"}
        )
        assert response.status_code == 401
        assert response.json() == {
            "error": {"code": "login_failed", "message": "wrong username or password"}
        }


def test_five_failures_lock_the_account_for_a_while(kyso: Kyso) -> None:
    clock = FrozenClock()
    accounts = Accounts(kyso.services.engine, clock)
    accounts.create_user("canbo9", PASSWORD, Role.OFFICIAL, "Cán bộ", agency="UBND")
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.authenticate("canbo9", "wrong-password-x")
    with pytest.raises(AuthenticationError) as locked:
        accounts.authenticate("canbo9", PASSWORD)
    assert locked.value.code == "account_locked"
    clock.advance(timedelta(minutes=16))
    assert accounts.authenticate("canbo9", PASSWORD).username == "canbo9"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def accounts_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'accounts.db'}"
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


def _failed_logins(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        stmt = select(UserRow.failed_logins).where(UserRow.username == username)
        return int(conn.execute(stmt).scalar_one())


def test_twelve_wrong_passwords_at_once_are_each_counted(accounts_engine: Engine) -> None:
    accounts = Accounts(accounts_engine, FrozenClock(), AccountPolicy(max_failures=50))
    accounts.create_user("canbo-race", PASSWORD, Role.OFFICIAL, "Cán bộ", agency="UBND")
    results = at_once(12, lambda: accounts.authenticate("canbo-race", "wrong-password-x"))
    assert outcomes(results) == ["login_failed"] * 12
    assert _failed_logins(accounts_engine, "canbo-race") == 12


def test_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_lockout_allows(
    accounts_engine: Engine,
) -> None:
    clock = FrozenClock()
    accounts = Accounts(accounts_engine, clock)
    accounts.create_user("canbo-burst", PASSWORD, Role.OFFICIAL, "Cán bộ", agency="UBND")
    results = at_once(12, lambda: accounts.authenticate("canbo-burst", "wrong-password-x"))
    assert outcomes(results) == ["account_locked"] * 7 + ["login_failed"] * 5
    with pytest.raises(AuthenticationError) as locked:
        accounts.authenticate("canbo-burst", PASSWORD)
    assert locked.value.code == "account_locked"
    clock.advance(timedelta(minutes=16))
    assert accounts.authenticate("canbo-burst", PASSWORD).username == "canbo-burst"
    assert _failed_logins(accounts_engine, "canbo-burst") == 0


def test_passwords_are_stored_as_argon2_hashes(kyso: Kyso) -> None:
    from sqlalchemy import text

    with kyso.services.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM api_user")).scalars().all()
    assert stored and all(h.startswith("$argon2id$") and PASSWORD not in h for h in stored)


def test_tokens_expire_and_forged_tokens_are_refused(kyso: Kyso) -> None:
    clock = FrozenClock()
    accounts = Accounts(kyso.services.engine, clock)
    user = accounts.by_username("citizen1")
    token = accounts.issue_token(user, ttl=timedelta(minutes=5))
    assert accounts.resolve(token).id == user.id
    clock.advance(timedelta(minutes=6))
    with pytest.raises(AuthenticationError):
        accounts.resolve(token)
    for forged in ("", "abc", token + "x", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."):
        response = kyso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401


def test_bad_account_input_is_refused(kyso: Kyso) -> None:
    accounts = kyso.services.accounts
    with pytest.raises(InputError):
        accounts.create_user("A B", PASSWORD, Role.CITIZEN, "x")
    with pytest.raises(InputError):
        accounts.create_user("short-pw", "123", Role.CITIZEN, "x")
    with pytest.raises(InputError):
        accounts.create_user("canbo-no-agency", PASSWORD, Role.OFFICIAL, "x")
    with pytest.raises(ConflictError):
        accounts.create_user("citizen1", PASSWORD, Role.CITIZEN, "x")


def test_login_is_rate_limited(kyso: Kyso) -> None:
    codes = [
        kyso.client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[-1] == 429


def test_citizen_enrolment_is_approved_by_an_official_over_the_api(kyso: Kyso) -> None:
    created = kyso.client.post(
        "/api/v1/enrolments",
        json={"full_name": "Nguyễn Thị Hoa", "cccd": "001203004567", "phone": "0912345678"},
        headers=kyso.headers("citizen"),
    )
    assert created.status_code == 201 and created.json()["cccd_masked"] == "001******567"
    enrolment_id = created.json()["id"]
    approved = kyso.client.post(
        f"/api/v1/enrolments/{enrolment_id}/approve", headers=kyso.headers("official")
    )
    assert approved.status_code == 200 and approved.json()["status"] == "issued"
    serial = approved.json()["serial"]
    from sqlalchemy import select

    from archive.catalog import tables

    log = tables.audit_log
    with kyso.services.engine.connect() as conn:
        entries = conn.execute(select(log.c.actor, log.c.action, log.c.subject)).all()
    assert ("official1", "enrolment.approved", enrolment_id) in [tuple(e) for e in entries]
    assert kyso.services.catalog.audit_log.verify().ok
    cert = kyso.client.get(f"/api/v1/certificates/{serial}").json()
    assert "CN=Nguyễn Thị Hoa" in cert["subject"] and cert["status"] == "good"
    duplicate = kyso.client.post(
        "/api/v1/enrolments",
        json={"full_name": "Nguyễn Thị Hoa", "cccd": "001203004567"},
        headers=kyso.headers("citizen"),
    )
    assert (
        duplicate.status_code == 409
        and duplicate.json()["error"]["code"] == "certificate_active_exists"
    )
    bad = kyso.client.post(
        "/api/v1/enrolments", json={"full_name": "X", "cccd": "12"}, headers=kyso.headers("citizen")
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "cccd_invalid"


def test_fixity_audit_job_runs_and_reports(kyso: Kyso) -> None:
    started = kyso.client.post(
        "/api/v1/archive/audits", json={"sample": 1.0}, headers=kyso.headers("archivist")
    )
    assert started.status_code == 202
    job = kyso.services.jobs.wait(started.json()["id"], 30)
    assert job.status == "succeeded"
    polled = kyso.client.get(f"/api/v1/jobs/{job.id}", headers=kyso.headers("archivist")).json()
    assert polled["status"] == "succeeded" and polled["result"]["problems"] == []
