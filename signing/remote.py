"""Remote signing for citizens' free certificates, shaped like the Cloud Signature Consortium API.

The key stays in the key store. A certificate has at most one enabled credential (a partial
unique index says so too); replacing it takes the current PIN and a fresh one-time code, or the
one-stop-shop desk. A signature needs an approval (CSC ``credentials/authorize``): the PIN
(argon2id hash, lockout after ``max_failures`` attempts) plus an RFC 6238 one-time code (each
time step accepted once, under concurrency too: ``signing.remote_attempts``). Every wrong
answer gets the same ``authorization_failed``; the reason is kept in ``signing_approval`` only.
The approval is a SAD bound to the listed hashes only, short-lived; ``signatures/signHash``
signs exactly those, each once. Seeds are sealed at rest (``signing.remote_seeds``). PINs,
codes and seeds are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import TypeVar

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, not_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from certs.keys import KeyStore, SignatureScheme
from common.clock import Clock, SystemClock
from common.ids import new_id
from common.passwords import BoundedHasher
from signing.errors import (
    AuthorizationScopeError,
    RemoteAuthError,
    SigningInputError,
    SigningNotFoundError,
)
from signing.policy import check_digest
from signing.remote_attempts import changed, claim, lock_if_exhausted, reserve
from signing.remote_models import ENABLED, ActivationRow, ApprovalRow, CredentialRow
from signing.remote_records import (
    check_pin,
    commit_new,
    enabled_for,
    exists_error,
    hexes,
    record,
    swap,
    unknown_error,
    utc,
)
from signing.remote_seeds import PREFIX, SeedSeal
from signing.remote_types import Activation, CredentialInfo, Enrolment, RemoteOptions

__all__ = [
    "AUTHORIZATION_FAILED",
    "Activation",
    "CredentialInfo",
    "Enrolment",
    "RemoteOptions",
    "RemoteSigningService",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
#: the one answer to a wrong PIN, a wrong, expired or replayed code (no PIN oracle)
AUTHORIZATION_FAILED = "authorization_failed"

DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


class RemoteSigningService:
    def __init__(
        self,
        engine: Engine,
        keystore: KeyStore,
        clock: Clock | None = None,
        options: RemoteOptions | None = None,
        hasher: PasswordHasher | None = None,
        *,
        seed_key: bytes,
    ) -> None:
        """``seed_key`` (32 bytes, from the deployment's secrets) seals the TOTP seeds at rest
        with AES-256-GCM; there is no way to store them in clear."""
        self._seal = SeedSeal(seed_key)
        self.keystore = keystore
        self.clock = clock or SystemClock()
        self.options = options or RemoteOptions()
        self.hasher = hasher or BoundedHasher()
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- enrolment, replacement and CSC credentials/list, credentials/info ------------------
    def enrol(self, owner: str, cert_serial: str, key_label: str, pin: str) -> Enrolment:
        """The certificate's first credential; a second one is ``credential_exists``."""
        row, secret = self._new_credential(owner, cert_serial, key_label, pin)
        with self._sessions() as db:
            if enabled_for(db, cert_serial) is not None:
                raise exists_error()
            db.add(row)
            record(db, self.clock.now(), row.credential_id, "enrolled", None, [])
            commit_new(db)
        return self._enrolment(row, secret, None)

    def replace(self, credential_id: str, pin: str, otp: str, new_pin: str) -> Enrolment:
        """A new seed (new phone) and PIN, by the holder: the current PIN and a fresh code.
        The old credential and its outstanding approvals stop working at once."""
        check_pin(new_pin)
        pin_hash = self.hasher.hash(new_pin)

        def take_over(db: Session, old: CredentialRow) -> Enrolment:
            row, secret = self._credential_row(old.owner, old.cert_serial, old.key_label, pin_hash)
            swap(db, self.clock.now(), old.credential_id, row, "pin_and_otp")
            return self._enrolment(row, secret, old.credential_id)

        return self._approved(credential_id, pin, otp, [], take_over)

    def replace_at_desk(self, owner: str, cert_serial: str, key_label: str, pin: str) -> Enrolment:
        """At the one-stop-shop desk, after an officer checked the citizen's identity (a lost
        phone or PIN): the certificate's credential, if any, is replaced without its factors."""
        row, secret = self._new_credential(owner, cert_serial, key_label, pin)
        with self._sessions() as db:
            old = enabled_for(db, cert_serial)
            if old is None:
                db.add(row)
                record(db, self.clock.now(), row.credential_id, "enrolled", "desk", [])
            else:
                swap(db, self.clock.now(), old, row, "desk")
            commit_new(db)
        return self._enrolment(row, secret, old)

    def credentials_list(self, owner: str) -> list[str]:
        """The owner's enabled credentials (a replaced one is gone for the phone app)."""
        with self._sessions() as db:
            stmt = select(CredentialRow.credential_id).where(
                CredentialRow.owner == owner, CredentialRow.status == ENABLED
            )
            return list(db.scalars(stmt))

    def credentials_info(self, credential_id: str) -> CredentialInfo:
        with self._sessions() as db:
            row = self._credential(db, credential_id)
        status = row.status
        if status == ENABLED and self._locked(row):
            status = "locked"
        return CredentialInfo(
            credential_id, status, row.cert_serial, multisign=self.options.max_hashes
        )

    def approvals(self, credential_id: str) -> list[tuple[str, str | None, list[str]]]:
        """The record of one credential: (event, reason, hashes), oldest first."""
        with self._sessions() as db:
            stmt = (
                select(ApprovalRow)
                .where(ApprovalRow.credential_id == credential_id)
                .order_by(ApprovalRow.id)
            )
            return [(r.event, r.reason, json.loads(r.hashes)) for r in db.scalars(stmt)]

    def seal_clear_seeds(self) -> int:
        """Seal the seeds an older install stored in clear (run when the service starts).

        On SQLite the old values are also wiped from the file: ``secure_delete`` zeroes the
        space they leave, and a checkpoint moves the pages out of the write-ahead log."""
        sqlite = self._engine.dialect.name == "sqlite"
        with self._sessions() as db:
            if sqlite:
                db.execute(text("PRAGMA secure_delete = ON"))
            clear = db.scalars(
                select(CredentialRow).where(not_(CredentialRow.totp_secret.startswith(PREFIX)))
            ).all()
            for row in clear:
                row.totp_secret = self._seal.seal(row.totp_secret)
            db.commit()
        if clear:
            if sqlite:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            log.warning("sealed %d remote-signing seeds stored in clear", len(clear))
        return len(clear)

    # -- CSC credentials/authorize ------------------------------------------------------------
    def authorize(
        self,
        credential_id: str,
        pin: str,
        otp: str,
        hashes: Sequence[bytes],
        digest_algorithm: str = "sha256",
    ) -> Activation:
        """Check PIN and one-time code; allow exactly ``hashes`` to be signed, once, soon."""
        check_digest(digest_algorithm)
        self._check_hashes(hashes, digest_algorithm)

        def activate(db: Session, _row: CredentialRow) -> Activation:
            token = secrets.token_urlsafe(32)
            now = self.clock.now()
            expires = now + self.options.sad_lifetime
            db.add(
                ActivationRow(
                    sad_sha256=hashlib.sha256(token.encode()).hexdigest(),
                    credential_id=credential_id,
                    digest_algorithm=digest_algorithm,
                    hashes=hexes(hashes),
                    expires_at=expires,
                    created_at=now,
                )
            )
            record(db, self.clock.now(), credential_id, "authorized", None, hashes)
            return Activation(token, expires, len(hashes))

        return self._approved(credential_id, pin, otp, hashes, activate)

    def _approved(
        self,
        credential_id: str,
        pin: str,
        otp: str,
        hashes: Sequence[bytes],
        then: Callable[[Session, CredentialRow], T],
    ) -> T:
        """Run ``then`` in the transaction that accepts the PIN and code, or refuse.

        The attempt is counted before the (slow) PIN check, in its own short transaction, so
        that SQLite's writer lock is not held while argon2 runs."""
        with self._sessions() as db:
            if not reserve(db, credential_id, self.options.max_failures, self.clock.now()):
                self._refuse_without_check(db, credential_id, hashes)
            row = self._credential(db, credential_id)
            db.commit()
        step, reason = self._check_factors(row, pin, otp)
        with self._sessions() as db:
            if step is not None and not claim(db, credential_id, step):
                reason = "otp_replayed"
            if reason is not None:
                record(db, self.clock.now(), credential_id, "refused", reason, hashes)
                self._lock_if_exhausted(db, credential_id, reason)
                db.commit()
                raise RemoteAuthError(AUTHORIZATION_FAILED, "wrong PIN or one-time code")
            result = then(db, row)
            commit_new(db)
        return result

    def _refuse_without_check(
        self, db: Session, credential_id: str, hashes: Sequence[bytes]
    ) -> None:
        row = db.get(CredentialRow, credential_id)
        if row is None or row.status != ENABLED:
            raise unknown_error()
        self._lock_if_exhausted(db, credential_id, "attempts_exhausted")
        record(db, self.clock.now(), credential_id, "refused", "account_locked", hashes)
        db.commit()
        raise RemoteAuthError("account_locked", "too many wrong answers: try again later")

    def _lock_if_exhausted(self, db: Session, credential_id: str, reason: str) -> None:
        until = self.clock.now() + self.options.lockout
        if lock_if_exhausted(db, credential_id, self.options.max_failures, until):
            record(db, self.clock.now(), credential_id, "locked", reason, [])
            log.warning("remote credential %s locked", credential_id)

    def _check_factors(
        self, row: CredentialRow, pin: str, otp: str
    ) -> tuple[int | None, str | None]:
        """The time step the code belongs to, or why the answer is wrong (nothing is written)."""
        try:
            self.hasher.verify(row.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return None, "pin_invalid"
        totp = pyotp.TOTP(self._seal.open(row.totp_secret))
        now_step = int(totp.timecode(self.clock.now()))
        window = self.options.otp_window
        for step in range(now_step - window, now_step + window + 1):
            if hmac.compare_digest(totp.generate_otp(step), otp):
                return (None, "otp_replayed") if step <= row.last_otp_step else (step, None)
        for step in range(now_step - 20, now_step - window):
            if hmac.compare_digest(totp.generate_otp(step), otp):
                return None, "otp_expired"
        return None, "otp_invalid"

    # -- CSC signatures/signHash --------------------------------------------------------------
    def sign_hash(
        self,
        credential_id: str,
        sad: str,
        hashes: Sequence[bytes],
        digest_algorithm: str = "sha256",
        *,
        pss: bool = False,
    ) -> list[bytes]:
        """Sign hashes an approval listed; each hash once; the key never leaves the store."""
        now = self.clock.now()
        with self._sessions() as db:
            row = self._credential(db, credential_id)
            if row.status != ENABLED:
                raise unknown_error()
            activation = db.get(ActivationRow, hashlib.sha256(sad.encode()).hexdigest())
            if activation is None or activation.credential_id != credential_id:
                raise AuthorizationScopeError("remote_sad_invalid", "unknown signature activation")
            if utc(activation.expires_at) <= now:
                db.delete(activation)
                db.commit()
                raise AuthorizationScopeError("remote_sad_expired", "the approval has expired")
            if activation.digest_algorithm != digest_algorithm:
                raise AuthorizationScopeError("remote_sad_invalid", "another digest was approved")
            allowed: list[str] = json.loads(activation.hashes)
            wanted = [h.hex() for h in hashes]
            if (
                not wanted
                or any(h not in allowed for h in wanted)
                or len(set(wanted)) < len(wanted)
                or not self._take(db, activation, [h for h in allowed if h not in wanted])
            ):
                db.rollback()
                record(db, self.clock.now(), credential_id, "refused", "hash_not_approved", hashes)
                db.commit()
                raise AuthorizationScopeError(
                    "remote_hash_not_approved", "a hash was not in the approval (or signed twice)"
                )
            algorithm = self.keystore.algorithm(row.key_label)
            scheme = SignatureScheme(
                digest_algorithm,
                "ecdsa" if not algorithm.is_rsa else ("pss" if pss else "pkcs1v15"),
            )
            # a failure here rolls the taking of the hashes back with the transaction
            values = [self.keystore.sign_digest(row.key_label, h, scheme) for h in hashes]
            record(db, self.clock.now(), credential_id, "signed", None, hashes)
            db.commit()
        return values

    def _take(self, db: Session, activation: ActivationRow, remaining: list[str]) -> bool:
        """Take hashes out of an approval if no one else took any meanwhile (each signed once)."""
        unchanged = (
            ActivationRow.sad_sha256 == activation.sad_sha256,
            ActivationRow.hashes == activation.hashes,
        )
        if remaining:
            statement = update(ActivationRow).where(*unchanged).values(hashes=json.dumps(remaining))
            return changed(db, statement) == 1
        return changed(db, delete(ActivationRow).where(*unchanged)) == 1

    # -- helpers ------------------------------------------------------------------------------
    def _new_credential(
        self, owner: str, cert_serial: str, key_label: str, pin: str
    ) -> tuple[CredentialRow, str]:
        check_pin(pin)
        if not self.keystore.exists(key_label):
            raise SigningNotFoundError("signer_key_missing", "the key is not in the key store")
        return self._credential_row(owner, cert_serial, key_label, self.hasher.hash(pin))

    def _credential_row(
        self, owner: str, cert_serial: str, key_label: str, pin_hash: str
    ) -> tuple[CredentialRow, str]:
        secret = pyotp.random_base32()
        row = CredentialRow(
            credential_id=new_id("cred-").lower(),
            owner=owner,
            cert_serial=cert_serial,
            key_label=key_label,
            pin_hash=pin_hash,
            totp_secret=self._seal.seal(secret),
            failed_attempts=0,
            last_otp_step=0,
            created_at=self.clock.now(),
            status=ENABLED,
        )
        return row, secret

    def _enrolment(self, row: CredentialRow, secret: str, replaced: str | None) -> Enrolment:
        uri = pyotp.TOTP(secret).provisioning_uri(
            name=row.owner, issuer_name=self.options.issuer_name
        )
        return Enrolment(row.credential_id, uri, secret, replaced)

    def _credential(self, db: Session, credential_id: str) -> CredentialRow:
        row = db.get(CredentialRow, credential_id)
        if row is None:
            raise unknown_error()
        return row

    def _locked(self, row: CredentialRow) -> bool:
        return row.locked_until is not None and utc(row.locked_until) > self.clock.now()

    def _check_hashes(self, hashes: Sequence[bytes], digest_algorithm: str) -> None:
        size = DIGEST_SIZES.get(digest_algorithm)
        if not hashes or len(hashes) > self.options.max_hashes:
            raise SigningInputError(
                "remote_hash_count", f"an approval covers 1 to {self.options.max_hashes} hashes"
            )
        if size is None or any(len(h) != size for h in hashes):
            raise SigningInputError("remote_hash_invalid", f"hashes must be {digest_algorithm}")
