"""``kyso verify``'s settings read without pydantic agree with ``Settings``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings
from api.settings_verify import Secret, VerifySettings, VerifySettingsView, verify_settings

FIELDS = list(VerifySettings.__dataclass_fields__)


def _plain(view: VerifySettingsView) -> dict[str, object]:
    out: dict[str, object] = {"resolved_database_url": view.resolved_database_url}
    for name in FIELDS:
        value = getattr(view, name)
        out[name] = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return out


def _settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.lower().startswith("kyso_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"KYSO_DATA_DIR": "/srv/kyso", "KYSO_PUBLIC_URL": "https://kyso.example.vn"},
        {"kyso_data_dir": "relative/dir", "KYSO_DATABASE_URL": "postgresql+psycopg://u@h/db"},
        {"KYSO_KEY_PASSPHRASE": "p" * 20, "KYSO_KEYSTORE": "pkcs11", "KYSO_PKCS11_USER_PIN": "1"},
        {"KYSO_VERIFY_MAX_MEMORY_MB": "64", "KYSO_VERIFY_TIMEOUT_SECONDS": "2.5",
         "KYSO_FETCH_TIMEOUT_SECONDS": "1e1", "KYSO_FETCH_MAX_MB": "1",
         "KYSO_REVOCATION_BUDGET_SECONDS": "7", "KYSO_REVOCATION_CACHE_SECONDS": "0"},
        {"KYSO_FETCH_REVOCATION": "public", "KYSO_FETCH_ALLOW_HOSTS": "ocsp.ca.vn, [::1]:8080"},
        {"KYSO_KEY_ALGORITHM": "rsa3072", "KYSO_VERIFY_TIMEOUT_SECONDS": " 3"},  # pydantic's
        {"KYSO_FETCH_MAX_MB": "010", "KYSO_VERIFY_MAX_MEMORY_MB": "1_000"},  # pydantic's
    ],
)  # fmt: skip
def test_the_verify_settings_are_the_settings(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(env, monkeypatch)
    assert _plain(verify_settings()) == _plain(settings)


@pytest.mark.parametrize(
    "env",
    [
        {"KYSO_VERIFY_MAX_MEMORY_MB": "8"},
        {"KYSO_VERIFY_TIMEOUT_SECONDS": "0"},
        {"KYSO_FETCH_MAX_MB": "ten"},
        {"KYSO_FETCH_REVOCATION": "everywhere"},
        {"KYSO_KEYSTORE": "hsm"},
        {"KYSO_FETCH_ALLOW_HOSTS": "http://ocsp.example"},
        {"KYSO_REVOCATION_CACHE_SECONDS": "-1"},
    ],
)
def test_a_value_settings_refuses_is_refused_the_same_way(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError):
        _settings(env, monkeypatch)
    with pytest.raises(ValidationError):
        verify_settings()


def test_plain_values_are_read_without_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    _settings({"KYSO_DATA_DIR": "/srv/kyso", "KYSO_FETCH_MAX_MB": "3"}, monkeypatch)
    view = verify_settings()
    assert isinstance(view, VerifySettings)
    assert view.data_dir == Path("/srv/kyso") and view.fetch_max_mb == 3
    assert "hunter2" not in repr(VerifySettings(key_passphrase=Secret("hunter2-hunter2")))
