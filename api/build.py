"""The pieces of kyso's services, each built from the settings by one function.

``api/wiring.py`` (the API and CLI processes) and ``api/pdf_worker.py`` (a PDF worker
process) build what they need through these; nothing here imports either, so both can.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from common.clock import Clock
from common.errors import InputError

if TYPE_CHECKING:  # the heavy packages load when a piece is built
    from sqlalchemy import Engine

    from api.settings import Settings
    from api.settings_verify import VerifySettingsView
    from certs.fetch_policy import FetchPolicy
    from certs.keys import KeyStore
    from certs.pki import Pki
    from certs.profiles import PkiOptions
    from certs.revcache import RevocationCache
    from certs.sources import HttpUrlSource
    from signing.remote import RemoteSigningService
    from signing.timestamps import TimeStampSource
    from verify.batchcache import BatchCache
    from verify.options import Limits


def open_database(settings: VerifySettingsView) -> Engine:
    """The start-up step of every process that uses the database: the data dir made private,
    the engine made and the schema brought to the newest revision, once (atomic and
    serialised; one query when it is already there)."""
    from api.database import make_engine, migrate
    from api.files import private_dir

    private_dir(settings.data_dir)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    return engine


def _local_secret(path: Path, make: bytes) -> bytes:
    """A secret kept in the data dir: written once, readable by the owner only, and the same
    for every process (one that loses the race to create it reads the winner's)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, make)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(draft, path)  # atomic, and never over a key another process made
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes().strip()


def seed_key(settings: Settings) -> bytes:
    """The 32-byte key sealing remote-signing seeds: ``KYSO_OTP_SEED_KEY``, else one generated
    once in data_dir/secrets/otp-seed.key (base64, the same form as the setting)."""
    if settings.otp_seed_key is not None:
        encoded = settings.otp_seed_key.get_secret_value().encode()
    else:
        fresh = base64.b64encode(secrets.token_bytes(32))
        encoded = _local_secret(settings.data_dir / "secrets" / "otp-seed.key", fresh)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise InputError(
            "settings_invalid",
            "the seed key (KYSO_OTP_SEED_KEY or secrets/otp-seed.key) must be 32 bytes in base64",
        )
    return key


def verify_limits(settings: VerifySettingsView) -> Limits:
    """The bounds on verifying one untrusted PDF, from the settings."""
    from verify.options import Limits

    return Limits(
        max_memory_bytes=settings.verify_max_memory_mb << 20,
        timeout_seconds=settings.verify_timeout_seconds,
        fetch_timeout_seconds=settings.fetch_timeout_seconds,
        fetch_max_bytes=settings.fetch_max_mb << 20,
        revocation_budget_seconds=settings.revocation_budget_seconds,
    )


def keystore(settings: VerifySettingsView) -> KeyStore:
    from certs.keystore_file import FileKeyStore

    if settings.keystore == "pkcs11":
        from certs.keystore_pkcs11 import Pkcs11KeyStore

        if settings.pkcs11_user_pin is None:
            raise InputError("settings_invalid", "KYSO_PKCS11_USER_PIN is required")
        return Pkcs11KeyStore(
            settings.pkcs11_module,
            settings.pkcs11_token_label,
            settings.pkcs11_user_pin.get_secret_value(),
        )
    if settings.key_passphrase is not None:
        passphrase = settings.key_passphrase.get_secret_value().encode()
    else:  # development: random, created once, readable by the owner only
        path = settings.data_dir / "secrets" / "keystore.passphrase"
        passphrase = _local_secret(path, secrets.token_urlsafe(32).encode())
    return FileKeyStore(settings.data_dir / "keys", passphrase)


def pki_options(settings: VerifySettingsView) -> PkiOptions:
    from certs.keys import KeyAlgorithm
    from certs.profiles import PkiOptions

    return PkiOptions(
        public_url=settings.public_url, key_algorithm=KeyAlgorithm(settings.key_algorithm)
    )


def pki(settings: VerifySettingsView, engine: Engine, store: KeyStore, clock: Clock) -> Pki:
    from certs.pki import Pki

    return Pki(engine, store, pki_options(settings), clock)


def remote_signing(
    settings: Settings, engine: Engine, store: KeyStore, clock: Clock
) -> RemoteSigningService:
    from signing.remote import RemoteSigningService

    return RemoteSigningService(engine, store, clock, seed_key=seed_key(settings))


def fetch_policy(settings: VerifySettingsView) -> FetchPolicy:
    """Where OCSP/CRL URLs may be fetched (``KYSO_FETCH_REVOCATION``, ``_ALLOW_HOSTS``)."""
    from certs.fetch_policy import FetchPolicy, parse_hosts

    return FetchPolicy(
        public=settings.fetch_revocation == "public", hosts=parse_hosts(settings.fetch_allow_hosts)
    )


def http_source(settings: VerifySettingsView, policy: FetchPolicy | None = None) -> HttpUrlSource:
    """OCSP/CRL fetching over HTTP where the fetch policy allows, each fetch bounded in time
    and size."""
    from certs.sources import HttpUrlSource

    chosen = policy if policy is not None else fetch_policy(settings)
    return HttpUrlSource(settings.fetch_timeout_seconds, settings.fetch_max_mb << 20, chosen)


def timestamp_source(settings: Settings, authority: Pki) -> TimeStampSource:
    """The TSA of ``KYSO_TSA_URL`` over HTTP when it names another service; else kyso's own
    TSA, in-process (the PKI must exist)."""
    from signing.pki_adapter import tsa as own_tsa
    from signing.timestamps import HttpTimeStampSource

    url = settings.tsa_url
    own = f"{settings.public_url.rstrip('/')}/pki/tsa"
    if url is not None and url.rstrip("/") != own:
        return HttpTimeStampSource(url)
    return own_tsa(authority)


def batch_cache(settings: VerifySettingsView) -> BatchCache:
    """Signer path outcomes and signature checks a process keeps between verifications, each
    only while a fresh validation must agree (``verify.batchcache``)."""
    from verify.batchcache import BatchCache

    return BatchCache.create(max_age=settings.revocation_cache_seconds)


def revocation_cache(settings: VerifySettingsView) -> RevocationCache:
    """Other responders' OCSP/CRL answers kept by a process between verifications while
    valid (``KYSO_REVOCATION_CACHE_SECONDS``); kyso's own, answered in-process, never."""
    from certs.revcache import RevocationCache

    own = f"{settings.public_url.rstrip('/')}/"
    return RevocationCache(settings.revocation_cache_seconds, uncached_prefixes=(own,))
