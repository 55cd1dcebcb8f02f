"""One credential per certificate: a second enrolment is refused (by the service and by the
database), a replacement takes the current PIN and a fresh code or the desk, and the old
credential stops working at once, its outstanding approvals too."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from api.database import make_engine, migrate, upgrade
from common.clock import FrozenClock
from signing.errors import RemoteAuthError, SigningConflictError, SigningNotFoundError
from signing.remote import RemoteOptions, RemoteSigningService
from signing.remote_models import ActivationRow, CredentialRow
from tests.signing.conftest import Kit
from tests.signing.test_remote import FAST_HASHER, PIN, SEED_KEY, fresh_certificate

NEW_PIN = "975312"
DIGEST = hashlib.sha256(b"don de nghi").digest()


@pytest.fixture
def service(kit: Kit) -> RemoteSigningService:
    clock = FrozenClock(kit.pki.clock.now())
    return RemoteSigningService(
        kit.pki.engine, kit.store, clock, RemoteOptions(), FAST_HASHER, seed_key=SEED_KEY
    )


def _code(service: RemoteSigningService, totp: pyotp.TOTP) -> str:
    assert isinstance(service.clock, FrozenClock)
    service.clock.advance(timedelta(seconds=30))  # a fresh time step for every code
    return totp.at(service.clock.now())


def test_a_certificate_gets_a_second_credential_from_no_one(
    service: RemoteSigningService, kit: Kit
) -> None:
    serial, label = fresh_certificate(kit)
    first = service.enrol("citizen-1", serial, label, PIN)
    with pytest.raises(SigningConflictError) as caught:
        service.enrol("citizen-1", serial, label, "135790")
    assert caught.value.code == "credential_exists"
    assert service.credentials_list("citizen-1") == [first.credential_id]
    with kit.pki.session() as db, pytest.raises(IntegrityError):  # the database says so too
        db.add(
            CredentialRow(
                credential_id="cred-sneaked-in",
                owner="citizen-1",
                cert_serial=serial,
                key_label=label,
                pin_hash="x",
                totp_secret="gcm:x",
                failed_attempts=0,
                last_otp_step=0,
                created_at=service.clock.now(),
                status="enabled",
            )
        )
        db.commit()


def test_the_holder_replaces_a_credential_with_pin_and_code_and_the_old_one_stops(
    service: RemoteSigningService, kit: Kit
) -> None:
    serial, label = fresh_certificate(kit)
    old = service.enrol("citizen-2", serial, label, PIN)
    old_totp = pyotp.TOTP(old.totp_secret)
    outstanding = service.authorize(old.credential_id, PIN, _code(service, old_totp), [DIGEST])
    with pytest.raises(RemoteAuthError) as caught:  # the password-holder's guess is not enough
        service.replace(old.credential_id, "000000", _code(service, old_totp), NEW_PIN)
    assert caught.value.code == "authorization_failed"
    new = service.replace(old.credential_id, PIN, _code(service, old_totp), NEW_PIN)
    assert new.replaced == old.credential_id and new.totp_secret != old.totp_secret
    assert service.credentials_list("citizen-2") == [new.credential_id]
    assert service.credentials_info(old.credential_id).status == "replaced"
    with pytest.raises(SigningNotFoundError):
        service.sign_hash(old.credential_id, outstanding.sad, [DIGEST])
    with pytest.raises(SigningNotFoundError):
        service.authorize(old.credential_id, PIN, _code(service, old_totp), [DIGEST])
    with kit.pki.session() as db:
        left = db.scalars(
            sa.select(ActivationRow).where(ActivationRow.credential_id == old.credential_id)
        ).all()
    assert left == []
    new_totp = pyotp.TOTP(new.totp_secret)
    with pytest.raises(RemoteAuthError):  # the old PIN goes with the old credential
        service.authorize(new.credential_id, PIN, _code(service, new_totp), [DIGEST])
    sad = service.authorize(new.credential_id, NEW_PIN, _code(service, new_totp), [DIGEST]).sad
    assert service.sign_hash(new.credential_id, sad, [DIGEST])
    assert ("replaced", "pin_and_otp", []) in service.approvals(old.credential_id)
    assert ("enrolled", "pin_and_otp", []) in service.approvals(new.credential_id)


def test_the_desk_replaces_a_credential_without_its_factors(
    service: RemoteSigningService, kit: Kit
) -> None:
    serial, label = fresh_certificate(kit)
    old = service.enrol("citizen-3", serial, label, PIN)
    new = service.replace_at_desk("citizen-3", serial, label, NEW_PIN)
    assert new.replaced == old.credential_id
    assert service.credentials_list("citizen-3") == [new.credential_id]
    totp = pyotp.TOTP(new.totp_secret)
    assert service.authorize(new.credential_id, NEW_PIN, _code(service, totp), [DIGEST])
    assert ("replaced", "desk", []) in service.approvals(old.credential_id)
    first = service.replace_at_desk("citizen-4", *fresh_certificate(kit), PIN)
    assert first.replaced is None  # a certificate without one gets its first at the desk


def _old_credential(conn: sa.Connection, credential_id: str, serial: str, at: datetime) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO signing_credential (credential_id, owner, cert_serial, key_label, "
            "pin_hash, totp_secret, failed_attempts, last_otp_step, created_at) "
            "VALUES (:id, 'citizen-5', :serial, 'k', 'h', 's', 0, 0, :at)"
        ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True))),
        {"id": credential_id, "serial": serial, "at": at},
    )


@pytest.fixture
def old_install(database_url: str) -> Iterator[Engine]:
    """A database whose signing tables are at the first revision (before the constraint)."""
    engine = make_engine(database_url)
    upgrade(engine, "s0001")
    yield engine
    engine.dispose()


def test_duplicates_of_an_older_install_keep_the_oldest_credential(old_install: Engine) -> None:
    """Re-enrolment made duplicates before the constraint: the migration keeps the oldest
    credential of each certificate enabled, disables the others and drops their SADs."""
    engine = old_install
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    serial = secrets.token_hex(8)
    with engine.begin() as conn:
        _old_credential(conn, "cred-citizen", serial, t0)
        _old_credential(conn, "cred-attacker-1", serial, t0 + timedelta(days=2))
        _old_credential(conn, "cred-attacker-2", serial, t0 + timedelta(days=3))
        _old_credential(conn, "cred-other", secrets.token_hex(8), t0 + timedelta(days=9))
        conn.execute(
            sa.text(
                "INSERT INTO signing_activation VALUES "
                "('sad', 'cred-attacker-1', 'sha256', '[]', :at, :at)"
            ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True))),
            {"at": t0 + timedelta(days=4)},
        )
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT credential_id, status FROM signing_credential"))
        statuses = {found: status for found, status in rows}
        sads = conn.execute(sa.text("SELECT count(*) FROM signing_activation")).scalar_one()
        disabled = conn.execute(
            sa.text("SELECT credential_id FROM signing_approval WHERE event = 'disabled'")
        ).scalars()
        assert sorted(disabled) == ["cred-attacker-1", "cred-attacker-2"]
    assert statuses == {
        "cred-citizen": "enabled",
        "cred-attacker-1": "disabled",
        "cred-attacker-2": "disabled",
        "cred-other": "enabled",
    }
    assert sads == 0
    with pytest.raises(IntegrityError), engine.begin() as conn:
        _old_credential(conn, "cred-again", serial, t0 + timedelta(days=10))
