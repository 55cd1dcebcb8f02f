"""Helpers for PKI tests (and for other packages' tests that need a throw-away PKI)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from api.database import make_engine, migrate
from certs.keys import KeyAlgorithm, KeyStore
from certs.keystore_file import FileKeyStore
from certs.keystore_pkcs11 import Pkcs11KeyStore
from certs.pki import Pki, PkiOptions
from certs.records import to_pem


def make_keystore(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> KeyStore:
    if kind == "file":
        return FileKeyStore(tmp_path / "keys", b"test-passphrase-0123456789")
    module, label, pin = request.getfixturevalue("softhsm_token")
    return Pkcs11KeyStore(module, label, pin)


def make_pki(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    database: str,
    keystore: str,
    algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256,
) -> Pki:
    """An initialised PKI on SQLite or PostgreSQL with a file or SoftHSM2 key store."""
    if database == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'kyso.db'}"
    engine = make_engine(url)
    migrate(engine)
    request.addfinalizer(engine.dispose)
    store = make_keystore(keystore, tmp_path, request)
    pki = Pki(engine, store, PkiOptions(key_algorithm=algorithm))
    pki.init()
    return pki


def openssl(*args: str, cwd: Path, data: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *args],
        cwd=cwd,
        input=data.decode() if data else None,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
        timeout=30,
    )


def write_chain(pki: Pki, serial: str, folder: Path) -> tuple[Path, Path]:
    """Writes the leaf and its issuers; returns (leaf.pem, chain.pem)."""
    chain = pki.chain(serial)
    leaf, issuers = folder / "leaf.pem", folder / "chain.pem"
    leaf.write_text(to_pem(chain[0]))
    issuers.write_text("".join(to_pem(c) for c in chain[1:]))
    return leaf, issuers
