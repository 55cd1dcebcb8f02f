"""Remote signing under concurrency, on SQLite and PostgreSQL, with real threads: one code is
accepted once, each wrong answer is counted once, a burst of guesses gets ``max_failures``
checks at most, a SAD signs each hash once, a certificate gets one credential."""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import pytest
from sqlalchemy import Engine, select

from common.clock import FrozenClock
from common.errors import KysoError
from signing.remote import Activation, RemoteOptions, RemoteSigningService
from signing.remote_models import CredentialRow
from tests.concurrency import at_once, outcomes
from tests.signing.conftest import Kit
from tests.signing.test_remote import FAST_HASHER, PIN, SEED_KEY


def _service(engine: Engine, kit: Kit, max_failures: int) -> RemoteSigningService:
    clock = FrozenClock(kit.pki.clock.now())
    options = RemoteOptions(max_failures=max_failures)
    return RemoteSigningService(engine, kit.store, clock, options, FAST_HASHER, seed_key=SEED_KEY)


def _enrolled(service: RemoteSigningService, kit: Kit) -> tuple[str, pyotp.TOTP]:
    # the credential tables do not refer to the certificates' (kept in the kit's database)
    enrolment = service.enrol("citizen-race", secrets.token_hex(8), kit.citizen.key_label, PIN)
    return enrolment.credential_id, pyotp.TOTP(enrolment.totp_secret)


def _failed_attempts(engine: Engine, credential: str) -> int:
    with engine.connect() as conn:
        stmt = select(CredentialRow.failed_attempts).where(
            CredentialRow.credential_id == credential
        )
        return int(conn.execute(stmt).scalar_one())


def test_one_code_sent_six_times_at_once_gives_one_approval(engine: Engine, kit: Kit) -> None:
    service = _service(engine, kit, max_failures=50)
    credential, totp = _enrolled(service, kit)
    code = totp.at(service.clock.now())
    digest = hashlib.sha256(b"ho so").digest()
    results = at_once(6, lambda: service.authorize(credential, PIN, code, [digest]))
    assert outcomes(results) == ["authorization_failed"] * 5 + ["ok"]
    assert sum(isinstance(r, Activation) for r in results) == 1
    reasons = [(e, r) for e, r, _h in service.approvals(credential) if e != "enrolled"]
    assert sorted(reasons) == [("authorized", None)] + [("refused", "otp_replayed")] * 5


def test_twelve_wrong_pins_at_once_are_each_counted(engine: Engine, kit: Kit) -> None:
    service = _service(engine, kit, max_failures=50)
    credential, totp = _enrolled(service, kit)
    code = totp.at(service.clock.now())
    digest = hashlib.sha256(b"ho so").digest()
    results = at_once(12, lambda: service.authorize(credential, "000000", code, [digest]))
    assert outcomes(results) == ["authorization_failed"] * 12
    assert _failed_attempts(engine, credential) == 12


def test_a_burst_of_guesses_gets_no_more_checks_than_the_lockout_allows(
    engine: Engine, kit: Kit
) -> None:
    service = _service(engine, kit, max_failures=5)
    credential, totp = _enrolled(service, kit)
    code = totp.at(service.clock.now())
    digest = hashlib.sha256(b"ho so").digest()
    results = at_once(12, lambda: service.authorize(credential, "000000", code, [digest]))
    assert outcomes(results) == ["account_locked"] * 7 + ["authorization_failed"] * 5
    events = [(e, r) for e, r, _h in service.approvals(credential)]
    assert events.count(("refused", "pin_invalid")) == 5
    assert len([e for e, _r in events if e == "locked"]) == 1
    assert service.credentials_info(credential).status == "locked"
    with pytest.raises(KysoError) as caught:  # the right answers too, until the lock ends
        service.authorize(credential, PIN, code, [digest])
    assert caught.value.code == "account_locked"


def test_one_approval_signs_each_hash_once_under_concurrency(engine: Engine, kit: Kit) -> None:
    service = _service(engine, kit, max_failures=5)
    credential, totp = _enrolled(service, kit)
    digest = hashlib.sha256(b"ho so").digest()
    sad = service.authorize(credential, PIN, totp.at(service.clock.now()), [digest]).sad
    results = at_once(4, lambda: service.sign_hash(credential, sad, [digest]))
    codes = outcomes(results)
    # the others find the hash taken, or the approval gone once its last hash was signed
    assert codes.count("ok") == 1
    assert set(codes) - {"ok"} <= {"remote_hash_not_approved", "remote_sad_invalid"}


def test_a_certificate_enrolled_twice_at_once_gets_one_credential(engine: Engine, kit: Kit) -> None:
    service = _service(engine, kit, max_failures=5)
    serial, label = secrets.token_hex(8), kit.citizen.key_label
    results = at_once(4, lambda: service.enrol("citizen-race", serial, label, PIN))
    assert outcomes(results) == ["credential_exists"] * 3 + ["ok"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(CredentialRow.status).where(CredentialRow.cert_serial == serial)
        ).all()
    assert [tuple(r) for r in rows] == [("enabled",)]
