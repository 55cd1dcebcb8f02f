"""kyso's version, read from the installed distribution's metadata without importlib.metadata."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from common.version import kyso_version


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    kyso_version.cache_clear()
    yield
    kyso_version.cache_clear()


def test_the_version_is_the_one_importlib_metadata_finds() -> None:
    assert kyso_version() == version("kyso")


def _dist(folder: Path, name: str, metadata: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "METADATA").write_text(metadata, encoding="utf-8")


def test_the_first_kyso_distribution_on_the_path_gives_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dist(tmp_path / "a", "kyso_extras-9.9.dist-info", "Name: kyso_extras\nVersion: 9.9\n")
    _dist(tmp_path / "a", "kyso-2.3.1.dist-info", "Metadata-Version: 2.1\nName: kyso\n"
          "Version: 2.3.1\n\nVersion: not a header: the description\n")  # fmt: skip
    _dist(tmp_path / "b", "kyso-7.0.dist-info", "Name: kyso\nVersion: 7.0\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path / "a"),
                                      str(tmp_path / "b"), *sys.path])  # fmt: skip
    assert kyso_version() == "2.3.1"


def test_a_distribution_without_a_version_header_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dist(tmp_path / "a", "kyso-2.3.1.dist-info", "Name: kyso\n\nVersion: 2.3.1 (the body)\n")
    _dist(tmp_path / "b", "kyso-7.0.dist-info", "Name: kyso\nVersion: 7.0\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "a"), str(tmp_path / "b"), *sys.path])
    assert kyso_version() == "7.0"


def test_the_version_is_read_once_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kyso_version()
    _dist(tmp_path, "kyso-2.3.1.dist-info", "Name: kyso\nVersion: 2.3.1\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert kyso_version() == first
