"""Remote signing: PIN (argon2, lockout) + RFC 6238 code, approvals bound to hashes, recorded."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

import pyotp
import pytest
from argon2 import PasswordHasher

from common.clock import FrozenClock
from signing.batch import BatchItem, RemoteIdentity, sign_batch_remotely
from signing.errors import AuthorizationScopeError, RemoteAuthError, SigningInputError
from signing.options import Level, SignOptions, StampKind
from signing.remote import RemoteOptions, RemoteSigningService
from tests.signing.checks import statuses
from tests.signing.conftest import Kit, make_pdf

PIN = "482913"
#: cheap argon2 parameters keep the suite fast; production uses argon2-cffi's defaults
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SEED_KEY = bytes(range(32))


def fresh_certificate(kit: Kit) -> tuple[str, str]:
    """(serial, key label) of a new citizen certificate: a certificate has one credential."""
    issued = kit.pki.issue_citizen("Lê Văn Tám", f"001{secrets.randbelow(10**9):09d}")
    record = kit.pki.get(issued.serial)
    assert record.key_label is not None
    return record.serial, record.key_label


@pytest.fixture
def remote(kit: Kit):
    clock = FrozenClock(kit.pki.clock.now())
    service = RemoteSigningService(
        kit.pki.engine,
        kit.store,
        clock,
        RemoteOptions(max_failures=3),
        FAST_HASHER,
        seed_key=SEED_KEY,
    )
    enrolment = service.enrol("citizen-42", *fresh_certificate(kit), PIN)
    totp = pyotp.TOTP(enrolment.totp_secret)
    return service, enrolment.credential_id, totp, clock


def _stored_seed(kit: Kit, credential_id: str) -> str:
    from sqlalchemy import select

    from signing.remote_models import CredentialRow

    with kit.pki.session() as db:
        return db.scalars(
            select(CredentialRow.totp_secret).where(CredentialRow.credential_id == credential_id)
        ).one()


def test_totp_seeds_are_always_sealed_at_rest(remote, kit: Kit) -> None:
    service, credential, totp, clock = remote
    stored = _stored_seed(kit, credential)
    assert stored.startswith("gcm:") and totp.secret not in stored
    assert service.authorize(credential, PIN, _code(totp, clock), [_digest("x")]).hash_count == 1
    with pytest.raises(TypeError):  # no seed key, no service: seeds are never kept in clear
        RemoteSigningService(kit.pki.engine, kit.store)  # type: ignore[call-arg]


def test_a_seed_an_older_install_kept_in_clear_is_sealed_and_still_works(remote, kit) -> None:
    from sqlalchemy import update

    from signing.remote_models import CredentialRow

    service, credential, totp, clock = remote
    with kit.pki.session() as db:  # what an install before sealing-by-default stored
        db.execute(
            update(CredentialRow)
            .where(CredentialRow.credential_id == credential)
            .values(totp_secret=totp.secret)
        )
        db.commit()
    assert service.seal_clear_seeds() >= 1
    stored = _stored_seed(kit, credential)
    assert stored.startswith("gcm:") and totp.secret not in stored
    assert service.seal_clear_seeds() == 0
    assert service.authorize(credential, PIN, _code(totp, clock), [_digest("x")]).hash_count == 1
    other = RemoteSigningService(kit.pki.engine, kit.store, clock, seed_key=bytes(32))
    with pytest.raises(SigningInputError) as caught:  # another key does not open the seeds
        other.authorize(credential, PIN, _code(totp, clock), [_digest("y")])
    assert caught.value.code == "remote_seed_key"


def _code(totp: pyotp.TOTP, clock: FrozenClock) -> str:
    return totp.at(clock.now())


def _next_step(clock: FrozenClock) -> None:
    clock.advance(timedelta(seconds=30))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def test_sealing_a_clear_seed_leaves_no_copy_of_it_in_the_sqlite_file(kit: Kit, tmp_path) -> None:
    from sqlalchemy import update

    from api.database import make_engine, migrate
    from signing.remote_models import CredentialRow

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    service = RemoteSigningService(engine, kit.store, hasher=FAST_HASHER, seed_key=SEED_KEY)
    enrolment = service.enrol("citizen-old", "0a1b2c", kit.citizen.key_label or "", PIN)
    with engine.begin() as conn:  # what an install before sealing-by-default stored
        conn.execute(update(CredentialRow).values(totp_secret=enrolment.totp_secret))
    assert service.seal_clear_seeds() == 1
    files = [path, path.with_name("old.db-wal")]
    contents = b"".join(f.read_bytes() for f in files if f.exists())
    assert enrolment.totp_secret.encode() not in contents
    engine.dispose()


def test_credentials_list_and_info_follow_the_csc_shapes(remote) -> None:
    service, credential, _totp, _clock = remote
    assert credential in service.credentials_list("citizen-42")
    info = service.credentials_info(credential)
    assert info.status == "enabled" and info.factors == ("PIN", "OTP")


def test_right_pin_and_code_sign_only_the_approved_hash(remote) -> None:
    service, credential, totp, clock = remote
    approved, other = _digest("hồ sơ 1"), _digest("hồ sơ 2")
    activation = service.authorize(credential, PIN, _code(totp, clock), [approved])
    with pytest.raises(AuthorizationScopeError):
        service.sign_hash(credential, activation.sad, [other])
    [value] = service.sign_hash(credential, activation.sad, [approved])
    assert value
    with pytest.raises(AuthorizationScopeError):  # each approved hash is signed once
        service.sign_hash(credential, activation.sad, [approved])
    events = [event for event, _reason, _hashes in service.approvals(credential)]
    assert events == ["enrolled", "authorized", "refused", "signed"]


def _refusal(service: RemoteSigningService, credential: str, pin: str, otp: str) -> str:
    """The caller's answer; the reason stays in the credential's record."""
    with pytest.raises(RemoteAuthError) as caught:
        service.authorize(credential, pin, otp, [_digest("x")])
    assert caught.value.code == "authorization_failed"
    assert caught.value.message == "wrong PIN or one-time code"
    reasons = [r for event, r, _hashes in service.approvals(credential) if event == "refused"]
    assert reasons[-1] is not None
    return reasons[-1]


def test_wrong_pin_is_refused_and_recorded(remote) -> None:
    service, credential, totp, clock = remote
    assert _refusal(service, credential, "000000", _code(totp, clock)) == "pin_invalid"


def test_a_one_time_code_is_accepted_once(remote) -> None:
    service, credential, totp, clock = remote
    code = _code(totp, clock)
    service.authorize(credential, PIN, code, [_digest("a")])
    assert _refusal(service, credential, PIN, code) == "otp_replayed"


def test_an_expired_one_time_code_is_refused(remote) -> None:
    service, credential, totp, clock = remote
    old = _code(totp, clock)
    clock.advance(timedelta(minutes=3))
    assert _refusal(service, credential, PIN, old) == "otp_expired"


def test_every_wrong_answer_gets_the_same_refusal_and_counts_once(remote, kit: Kit) -> None:
    """No PIN oracle: a wrong PIN and a right PIN with a wrong, old or used code look alike."""
    _service, credential, totp, clock = remote
    service = RemoteSigningService(
        kit.pki.engine,
        kit.store,
        clock,
        RemoteOptions(max_failures=5),
        FAST_HASHER,
        seed_key=SEED_KEY,
    )
    used = _code(totp, clock)
    service.authorize(credential, PIN, used, [_digest("a")])
    old = totp.at(clock.now() - timedelta(minutes=4))
    wrong = f"{(int(_code(totp, clock)) + 1) % 10**6:06d}"
    reasons = [
        _refusal(service, credential, "999999", wrong),
        _refusal(service, credential, PIN, wrong),
    ]
    _next_step(clock)
    reasons += [_refusal(service, credential, PIN, old), _refusal(service, credential, PIN, used)]
    assert reasons == ["pin_invalid", "otp_invalid", "otp_expired", "otp_replayed"]
    assert service.credentials_info(credential).status == "enabled"
    assert _refusal(service, credential, "999999", _code(totp, clock)) == "pin_invalid"
    assert service.credentials_info(credential).status == "locked"  # five, each counted


def test_repeated_failures_lock_the_credential_even_for_right_answers(remote) -> None:
    service, credential, totp, clock = remote
    for _ in range(3):
        with pytest.raises(RemoteAuthError):
            service.authorize(credential, "111111", _code(totp, clock), [_digest("a")])
    _next_step(clock)
    with pytest.raises(RemoteAuthError) as caught:
        service.authorize(credential, PIN, _code(totp, clock), [_digest("a")])
    assert caught.value.code == "account_locked"
    assert service.credentials_info(credential).status == "locked"
    assert ("locked", "pin_invalid", []) in service.approvals(credential)
    clock.advance(timedelta(minutes=31))
    assert service.authorize(credential, PIN, _code(totp, clock), [_digest("a")]).hash_count == 1


def test_an_approval_expires(remote) -> None:
    service, credential, totp, clock = remote
    activation = service.authorize(credential, PIN, _code(totp, clock), [_digest("a")])
    clock.advance(timedelta(minutes=6))
    with pytest.raises(AuthorizationScopeError) as caught:
        service.sign_hash(credential, activation.sad, [_digest("a")])
    assert caught.value.code == "remote_sad_expired"


def _identity(kit: Kit, credential: str) -> RemoteIdentity:
    serial = RemoteSigningService(kit.pki.engine, kit.store, seed_key=SEED_KEY).credentials_info(
        credential
    )
    return RemoteIdentity.from_pki(kit.pki, credential, serial.cert_serial)


def test_a_revoked_certificate_gets_no_remote_identity(kit: Kit) -> None:
    from certs.revocation import Revocation
    from signing.errors import SigningInputError

    issued = kit.pki.issue_citizen("Tạ Thị Mai", "001399000777")
    Revocation(kit.pki).revoke(issued.serial, "key_compromise")
    with pytest.raises(SigningInputError) as caught:
        RemoteIdentity.from_pki(kit.pki, "cred-x", issued.serial)
    assert caught.value.code == "signer_revoked"


def test_one_approval_signs_a_batch_of_documents(kit: Kit, remote) -> None:
    service, credential, totp, clock = remote
    stamp = kit.stamp(kit.citizen, StampKind.CITIZEN)
    items = [
        BatchItem(make_pdf(1, f"Ho so so {n}"), SignOptions(level=Level.B_T, stamp=stamp))
        for n in range(3)
    ]
    done = asyncio.run(
        sign_batch_remotely(
            service, _identity(kit, credential), PIN, _code(totp, clock), items, kit.context
        )
    )
    assert len(done) == 3
    for document in done:
        assert document.pdf is not None
        [status] = statuses(document.pdf, kit.pki.trust_anchors())
        assert status.bottom_line
    authorized = [h for event, _r, h in service.approvals(credential) if event == "authorized"]
    assert len(authorized) == 1 and len(authorized[0]) == 3


def test_a_refused_approval_signs_nothing(kit: Kit, remote) -> None:
    service, credential, _totp, _clock = remote
    items = [BatchItem(make_pdf(), SignOptions())]
    with pytest.raises(RemoteAuthError):
        asyncio.run(
            sign_batch_remotely(
                service, _identity(kit, credential), PIN, "000000", items, kit.context
            )
        )
    assert [e for e, _r, _h in service.approvals(credential)] == ["enrolled", "refused"]


@pytest.mark.softhsm
def test_remote_signing_with_the_key_on_a_pkcs11_token(softhsm_token, tmp_path) -> None:
    """SoftHSM2 holds every key (CAs and the citizen's); the citizen's key is not extractable."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    from api.database import make_engine, migrate
    from certs.keystore_pkcs11 import Pkcs11KeyStore
    from certs.pki import Pki, PkiOptions
    from signing.pades import SigningContext
    from signing.pki_adapter import trust_from_pki, tsa

    module, label, user_pin = softhsm_token
    engine = make_engine(f"sqlite:///{tmp_path / 'hsm.db'}")
    migrate(engine)
    store = Pkcs11KeyStore(module, label, user_pin)
    pki = Pki(engine, store, PkiOptions(public_url="http://127.0.0.1:9"))
    pki.init()
    issued = pki.issue_citizen("Nguyễn Văn Bình", "079088001234")
    clock = FrozenClock(pki.clock.now())
    service = RemoteSigningService(
        engine, store, clock, RemoteOptions(), FAST_HASHER, seed_key=SEED_KEY
    )
    enrolment = service.enrol("citizen-hsm", issued.serial, issued.key_label or "", PIN)
    identity = RemoteIdentity.of(enrolment.credential_id, pki.chain(issued.serial))
    context = SigningContext(trust=trust_from_pki(pki), timestamps=tsa(pki))
    otp = pyotp.TOTP(enrolment.totp_secret).at(clock.now())
    [done] = asyncio.run(
        sign_batch_remotely(
            service,
            identity,
            PIN,
            otp,
            [BatchItem(make_pdf(), SignOptions(level=Level.B_T))],
            context,
        )
    )
    assert done.pdf is not None
    [status] = statuses(done.pdf, pki.trust_anchors())
    assert status.bottom_line
    store.close()
    token = pkcs11.lib(module).get_token(token_label=label)
    with token.open(user_pin=user_pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=issued.key_label)
        assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE]
    engine.dispose()
