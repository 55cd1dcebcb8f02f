"""The settings ``kyso verify`` reads, without pydantic (0.15 s to import, a quarter of what a
plain pyHanko script takes to verify a document).

``api.settings.Settings`` stays the one definition of every ``KYSO_`` variable. This reads
the same variables, for the fields a verification needs only, with the same defaults and
pydantic-settings' matching (names case-insensitive). Anything it cannot take plainly (a
number it would have to guess at, a value out of range or not one of the choices) is left to
``Settings`` itself: it is built then, and gives its usual answer or its usual error.
``tests/api/test_settings_verify.py`` checks both agree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class SecretView(Protocol):
    def get_secret_value(self) -> str: ...


class VerifySettingsView(Protocol):
    """What verification and its builders (``api.build``) read of the settings: satisfied by
    ``Settings`` and by ``VerifySettings``."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def public_url(self) -> str: ...
    @property
    def key_algorithm(self) -> str: ...
    @property
    def keystore(self) -> str: ...
    @property
    def key_passphrase(self) -> SecretView | None: ...
    @property
    def pkcs11_module(self) -> str: ...
    @property
    def pkcs11_token_label(self) -> str: ...
    @property
    def pkcs11_user_pin(self) -> SecretView | None: ...
    @property
    def verify_max_memory_mb(self) -> int: ...
    @property
    def verify_timeout_seconds(self) -> float: ...
    @property
    def fetch_timeout_seconds(self) -> float: ...
    @property
    def fetch_max_mb(self) -> int: ...
    @property
    def revocation_budget_seconds(self) -> float: ...
    @property
    def revocation_cache_seconds(self) -> float: ...
    @property
    def fetch_revocation(self) -> str: ...
    @property
    def fetch_allow_hosts(self) -> str: ...
    @property
    def resolved_database_url(self) -> str: ...


@dataclass(frozen=True)
class Secret:
    """A secret setting (as pydantic's SecretStr: never shown by repr)."""

    value: str = field(repr=False)

    def get_secret_value(self) -> str:
        return self.value


@dataclass(frozen=True)
class VerifySettings:
    """``Settings``' fields that ``kyso verify`` reads, with ``Settings``' defaults."""

    data_dir: Path = Path("var")
    database_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    key_algorithm: str = "ecdsa-p256"
    keystore: str = "file"
    key_passphrase: Secret | None = None
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token_label: str = "kyso"  # noqa: S105 - a token label, not a secret
    pkcs11_user_pin: Secret | None = None
    verify_max_memory_mb: int = 512
    verify_timeout_seconds: float = 10.0
    fetch_timeout_seconds: float = 10.0
    fetch_max_mb: int = 10
    revocation_budget_seconds: float = 30.0
    revocation_cache_seconds: float = 300.0
    fetch_revocation: str = "trusted"
    fetch_allow_hosts: str = ""

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kyso.db').resolve()}"


#: field -> (what it must be: "int"/"float" with a bound, or the choices), as in Settings
_NUMBERS: dict[str, tuple[type, float, bool]] = {  # (type, bound, the bound itself allowed)
    "verify_max_memory_mb": (int, 16, True),
    "verify_timeout_seconds": (float, 0, False),
    "fetch_timeout_seconds": (float, 0, False),
    "fetch_max_mb": (int, 1, True),
    "revocation_budget_seconds": (float, 0, False),
    "revocation_cache_seconds": (float, 0, True),
}
_CHOICES = {
    "key_algorithm": ("ecdsa-p256", "ecdsa-p384", "rsa2048", "rsa3072", "rsa4096"),
    "keystore": ("file", "pkcs11"),
    "fetch_revocation": ("trusted", "public"),
}
_SECRETS = ("key_passphrase", "pkcs11_user_pin")
_TEXTS = ("database_url", "public_url", "pkcs11_module", "pkcs11_token_label")


class _NotPlain(Exception):
    """A value this module does not decide on: ``Settings`` does."""


def _number(name: str, raw: str) -> int | float:
    kind, bound, inclusive = _NUMBERS[name]
    if not (_INT if kind is int else _FLOAT).fullmatch(raw):
        raise _NotPlain(name)
    value: int | float = int(raw) if kind is int else float(raw)
    if value < bound or (value == bound and not inclusive):
        raise _NotPlain(name)
    return value


def _read(environ: Mapping[str, str]) -> VerifySettings:
    env = {key.lower(): value for key, value in environ.items() if key[:5].lower() == "kyso_"}
    found: dict[str, object] = {}
    for name in VerifySettings.__dataclass_fields__:
        raw = env.get(f"kyso_{name}")
        if raw is None:
            continue
        if name in _NUMBERS:
            found[name] = _number(name, raw)
        elif name in _CHOICES:
            if raw not in _CHOICES[name]:
                raise _NotPlain(name)
            found[name] = raw
        elif name in _SECRETS:
            found[name] = Secret(raw)
        elif name == "data_dir":
            found[name] = Path(raw)
        elif name == "fetch_allow_hosts":
            from certs.fetch_policy import parse_hosts

            try:
                parse_hosts(raw)
            except ValueError as exc:
                raise _NotPlain(name) from exc
            found[name] = raw
        else:
            assert name in _TEXTS
            found[name] = raw
    return VerifySettings(**found)  # type: ignore[arg-type]


def verify_settings(environ: Mapping[str, str] | None = None) -> VerifySettingsView:
    """The verification settings from the environment (``os.environ``): read here when every
    value is plain, else ``Settings()`` (its values, or its validation error)."""
    try:
        return _read(os.environ if environ is None else environ)
    except _NotPlain:
        from api.settings import Settings

        return Settings()
