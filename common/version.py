"""kyso's version: written once, in pyproject.toml; read from the installed distribution."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def kyso_version() -> str:
    """The installed kyso's version (``0+unknown`` when run from a tree that is not installed)."""
    try:
        return version("kyso")
    except PackageNotFoundError:
        return "0+unknown"
