"""kyso's version: written once, in pyproject.toml; read from the installed distribution."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def kyso_version() -> str:
    """The installed kyso's version (``0+unknown`` when run from a tree that is not installed),
    read once per process (every verification report carries it).

    The ``Version:`` of the first ``kyso-*.dist-info/METADATA`` on ``sys.path`` that has one
    (where ``importlib.metadata`` finds it too), read without importing ``importlib.metadata``
    (with zipfile and csv, 10-15 ms of a ``kyso verify`` that takes 0.5 s); any other layout
    (an egg, a zip) is left to ``importlib.metadata``."""
    for folder in sys.path:
        try:
            found = sorted(Path(folder or ".").glob("kyso-*.dist-info/METADATA"))
        except OSError:
            continue
        for metadata in found:
            line = _version_line(metadata)
            if line:
                return line
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kyso")
    except PackageNotFoundError:
        return "0+unknown"


def _version_line(metadata: Path) -> str | None:
    """The ``Version:`` header of a core-metadata file (RFC 822 style: the headers end at the
    first empty line), or None."""
    try:
        with metadata.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    return None
                key, _, value = line.partition(":")
                if key.lower() == "version":
                    return value.strip() or None
    except (OSError, UnicodeDecodeError):
        return None
    return None
