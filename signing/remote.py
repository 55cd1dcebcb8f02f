"""Remote signing for citizens' free certificates, shaped like the Cloud Signature Consortium API.

The key stays in the key store. A signature needs an approval (CSC ``credentials/authorize``):
the PIN (argon2id hash, lockout after ``max_failures`` wrong answers) plus an RFC 6238 one-time
code (each time step accepted once). The approval is a SAD bound to the listed hashes only,
short-lived; ``signatures/signHash`` signs exactly those. Every approval, refusal, lockout and
signature is recorded in ``signing_approval``. PINs, codes and seeds are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, delete, select
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
from signing.remote_models import ActivationRow, ApprovalRow, CredentialRow

log = logging.getLogger(__name__)

DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


@dataclass(frozen=True)
class RemoteOptions:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=30)
    sad_lifetime: timedelta = timedelta(minutes=5)
    #: RFC 6238 steps accepted either side of now (clock drift of the phone)
    otp_window: int = 1
    #: at most this many hashes per approval (batch signing)
    max_hashes: int = 500
    issuer_name: str = "kyso"


@dataclass(frozen=True)
class Enrolment:
    credential_id: str
    #: shown once, as a QR code, to the citizen's authenticator app
    provisioning_uri: str
    totp_secret: str


@dataclass(frozen=True)
class CredentialInfo:
    """CSC ``credentials/info``."""

    credential_id: str
    status: str  # enabled | locked
    cert_serial: str
    auth_mode: str = "explicit"
    factors: tuple[str, ...] = ("PIN", "OTP")
    multisign: int = RemoteOptions.max_hashes


@dataclass(frozen=True)
class Activation:
    """CSC SAD: shown to the caller once; only its hash is stored."""

    sad: str
    expires_at: datetime
    hash_count: int


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _hexes(values: Sequence[bytes]) -> str:
    return json.dumps([v.hex() for v in values])


class RemoteSigningService:
    def __init__(
        self,
        engine: Engine,
        keystore: KeyStore,
        clock: Clock | None = None,
        options: RemoteOptions | None = None,
        hasher: PasswordHasher | None = None,
        seed_key: bytes | None = None,
    ) -> None:
        """``seed_key`` (32 bytes, from the deployment's secrets) encrypts the TOTP seeds at
        rest with AES-256-GCM; without it seeds are stored as they are (development)."""
        if seed_key is not None and len(seed_key) != 32:
            raise SigningInputError("remote_seed_key", "the seed key must be 32 bytes")
        self._seal = AESGCM(seed_key) if seed_key is not None else None
        self.keystore = keystore
        self.clock = clock or SystemClock()
        self.options = options or RemoteOptions()
        self.hasher = hasher or BoundedHasher()
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- enrolment and CSC credentials/list, credentials/info ------------------------------
    def enrol(self, owner: str, cert_serial: str, key_label: str, pin: str) -> Enrolment:
        if not (pin.isdigit() and 6 <= len(pin) <= 12):
            raise SigningInputError("pin_weak", "the PIN must be 6 to 12 digits")
        if not self.keystore.exists(key_label):
            raise SigningNotFoundError("signer_key_missing", "the key is not in the key store")
        secret = pyotp.random_base32()
        row = CredentialRow(
            credential_id=new_id("cred-").lower(),
            owner=owner,
            cert_serial=cert_serial,
            key_label=key_label,
            pin_hash=self.hasher.hash(pin),
            totp_secret=self._protect(secret),
            failed_attempts=0,
            last_otp_step=0,
            created_at=self.clock.now(),
        )
        with self._sessions() as db:
            db.add(row)
            db.commit()
        uri = pyotp.TOTP(secret).provisioning_uri(name=owner, issuer_name=self.options.issuer_name)
        return Enrolment(row.credential_id, uri, secret)

    def credentials_list(self, owner: str) -> list[str]:
        with self._sessions() as db:
            stmt = select(CredentialRow.credential_id).where(CredentialRow.owner == owner)
            return list(db.scalars(stmt))

    def credentials_info(self, credential_id: str) -> CredentialInfo:
        with self._sessions() as db:
            row = self._credential(db, credential_id)
            locked = self._locked(row)
        return CredentialInfo(
            credential_id,
            "locked" if locked else "enabled",
            row.cert_serial,
            multisign=self.options.max_hashes,
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
        now = self.clock.now()
        with self._sessions() as db:
            row = self._credential(db, credential_id)
            if self._locked(row):
                self._record(db, credential_id, "refused", "account_locked", hashes)
                db.commit()
                raise RemoteAuthError("account_locked", "too many wrong answers: try again later")
            reason = self._check_factors(row, pin, otp)
            if reason is not None:
                row.failed_attempts += 1
                self._record(db, credential_id, "refused", reason, hashes)
                if row.failed_attempts >= self.options.max_failures:
                    row.locked_until = now + self.options.lockout
                    row.failed_attempts = 0
                    self._record(db, credential_id, "locked", reason, [])
                    log.warning("remote credential %s locked", credential_id)
                db.commit()
                raise RemoteAuthError(reason, _MESSAGES[reason])
            row.failed_attempts = 0
            row.locked_until = None
            token = secrets.token_urlsafe(32)
            expires = now + self.options.sad_lifetime
            db.add(
                ActivationRow(
                    sad_sha256=hashlib.sha256(token.encode()).hexdigest(),
                    credential_id=credential_id,
                    digest_algorithm=digest_algorithm,
                    hashes=_hexes(hashes),
                    expires_at=expires,
                    created_at=now,
                )
            )
            self._record(db, credential_id, "authorized", None, hashes)
            db.commit()
        return Activation(token, expires, len(hashes))

    def _check_factors(self, row: CredentialRow, pin: str, otp: str) -> str | None:
        try:
            self.hasher.verify(row.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return "pin_invalid"
        totp = pyotp.TOTP(self._reveal(row.totp_secret))
        now_step = int(totp.timecode(self.clock.now()))
        window = self.options.otp_window
        for step in range(now_step - window, now_step + window + 1):
            if hmac.compare_digest(totp.generate_otp(step), otp):
                if step <= row.last_otp_step:
                    return "otp_replayed"
                row.last_otp_step = step
                return None
        for step in range(now_step - 20, now_step - window):
            if hmac.compare_digest(totp.generate_otp(step), otp):
                return "otp_expired"
        return "otp_invalid"

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
            activation = db.get(ActivationRow, hashlib.sha256(sad.encode()).hexdigest())
            if activation is None or activation.credential_id != credential_id:
                raise AuthorizationScopeError("remote_sad_invalid", "unknown signature activation")
            if _utc(activation.expires_at) <= now:
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
            ):
                self._record(db, credential_id, "refused", "hash_not_approved", hashes)
                db.commit()
                raise AuthorizationScopeError(
                    "remote_hash_not_approved", "a hash was not in the approval (or signed twice)"
                )
            algorithm = self.keystore.algorithm(row.key_label)
            scheme = SignatureScheme(
                digest_algorithm,
                "ecdsa" if not algorithm.is_rsa else ("pss" if pss else "pkcs1v15"),
            )
            values = [self.keystore.sign_digest(row.key_label, h, scheme) for h in hashes]
            remaining = [h for h in allowed if h not in wanted]
            if remaining:
                activation.hashes = json.dumps(remaining)
            else:
                db.execute(
                    delete(ActivationRow).where(ActivationRow.sad_sha256 == activation.sad_sha256)
                )
            self._record(db, credential_id, "signed", None, hashes)
            db.commit()
        return values

    # -- helpers ------------------------------------------------------------------------------
    def _protect(self, seed: str) -> str:
        if self._seal is None:
            return seed
        nonce = secrets.token_bytes(12)
        sealed = self._seal.encrypt(nonce, seed.encode(), b"kyso-totp")
        return "gcm:" + base64.b64encode(nonce + sealed).decode()

    def _reveal(self, stored: str) -> str:
        if not stored.startswith("gcm:"):
            return stored
        if self._seal is None:
            raise SigningInputError("remote_seed_key", "TOTP seeds are encrypted: seed key needed")
        raw = base64.b64decode(stored[4:])
        try:
            return self._seal.decrypt(raw[:12], raw[12:], b"kyso-totp").decode()
        except InvalidTag as exc:
            raise SigningInputError("remote_seed_key", "wrong seed key") from exc

    def _credential(self, db: Session, credential_id: str) -> CredentialRow:
        row = db.get(CredentialRow, credential_id)
        if row is None:
            raise SigningNotFoundError("credential_unknown", "no such remote-signing credential")
        return row

    def _locked(self, row: CredentialRow) -> bool:
        return row.locked_until is not None and _utc(row.locked_until) > self.clock.now()

    def _check_hashes(self, hashes: Sequence[bytes], digest_algorithm: str) -> None:
        size = DIGEST_SIZES.get(digest_algorithm)
        if not hashes or len(hashes) > self.options.max_hashes:
            raise SigningInputError(
                "remote_hash_count", f"an approval covers 1 to {self.options.max_hashes} hashes"
            )
        if size is None or any(len(h) != size for h in hashes):
            raise SigningInputError("remote_hash_invalid", f"hashes must be {digest_algorithm}")

    def _record(
        self,
        db: Session,
        credential_id: str,
        event: str,
        reason: str | None,
        hashes: Sequence[bytes],
    ) -> None:
        db.add(
            ApprovalRow(
                credential_id=credential_id,
                event=event,
                reason=reason,
                hashes=_hexes(hashes),
                at=self.clock.now(),
            )
        )


_MESSAGES = {
    "pin_invalid": "wrong PIN",
    "otp_invalid": "wrong one-time code",
    "otp_expired": "the one-time code has expired",
    "otp_replayed": "this one-time code was already used",
}
