"""One error tree: every package's errors under its root, all under KysoError, and each one
pickled the same way (KysoError.__reduce__), so it crosses a process pool as itself."""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import pytest

from common.errors import KysoError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "archive", "certs", "common", "ocr", "onestop", "signing", "verify")
#: each package's root error (api/ and common/ have none: their errors are the generic ones)
ROOTS = {
    "archive": "archive.errors.ArchiveError",
    "certs": "certs.errors.PkiError",
    "ocr": "ocr.errors.OcrError",
    "onestop": "onestop.errors.OnestopError",
    "signing": "signing.errors.SigningError",
    "verify": "verify.errors.VerificationError",
}


def _import_everything() -> None:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "migrations" in parts or "alembic" in parts:
                continue  # Alembic's scripts run when Alembic loads them
            if parts[-1] == "__init__":
                parts.pop()
            importlib.import_module(".".join(parts))


def _every_error() -> list[type[KysoError]]:
    _import_everything()
    found: list[type[KysoError]] = []
    todo: list[type[KysoError]] = [KysoError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _root(name: str) -> type[KysoError]:
    module, _, attr = name.rpartition(".")
    found: type[KysoError] = getattr(importlib.import_module(module), attr)
    return found


def test_every_error_class_survives_a_pickle_round_trip() -> None:
    errors = [c for c in _every_error() if c.__module__.split(".")[0] in (*PACKAGES, "common")]
    assert len(errors) > 30
    for cls in errors:
        error = cls("some_code", "what happened")
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is cls
        assert (back.code, back.message, str(back)) == ("some_code", "what happened", str(error))
        plain = pickle.loads(pickle.dumps(cls()))
        assert plain.code == cls.default_code, cls


def test_every_package_error_is_under_its_package_root() -> None:
    strays = []
    for cls in _every_error():
        package = cls.__module__.split(".")[0]
        if package in ROOTS and not issubclass(cls, _root(ROOTS[package])):
            strays.append(f"{cls.__module__}.{cls.__qualname__}")
    assert strays == []


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("ocr.errors.OcrEngineError", "common.errors.ExternalServiceError"),
        ("ocr.errors.SignedPdfError", "common.errors.ConflictError"),
        ("ocr.errors.OcrInputError", "common.errors.InputError"),
        ("verify.errors.VerificationInputError", "common.errors.InputError"),
    ],
)
def test_a_package_error_keeps_its_http_kind(name: str, generic: str) -> None:
    assert issubclass(_root(name), _root(generic))
