"""kyso's version: written once, in pyproject.toml; read from the installed distribution."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def kyso_version() -> str:
    """The installed kyso's version (``0+unknown`` when run from a tree that is not installed).

    Read once per process: every report carries it, and importlib.metadata reads and parses
    the distribution's METADATA file on each call (about 1 ms)."""
    try:
        return version("kyso")
    except PackageNotFoundError:
        return "0+unknown"
