"""A throw-away PKI on each backend combination the PKI must work on."""

from __future__ import annotations

from pathlib import Path

import pytest
from pkitools import make_pki

from certs.pki import Pki

BACKENDS = [
    pytest.param(("sqlite", "file"), id="sqlite-file"),
    pytest.param(("postgres", "file"), id="postgres-file", marks=pytest.mark.postgres),
    pytest.param(("sqlite", "pkcs11"), id="sqlite-softhsm", marks=pytest.mark.softhsm),
]


@pytest.fixture(params=BACKENDS)
def pki(request: pytest.FixtureRequest, tmp_path: Path) -> Pki:
    database, keystore = request.param
    return make_pki(request, tmp_path, database, keystore)


@pytest.fixture
def sqlite_pki(request: pytest.FixtureRequest, tmp_path: Path) -> Pki:
    return make_pki(request, tmp_path, "sqlite", "file")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder
