"""Fixtures of the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from apitools import Kyso, make_kyso


@pytest.fixture
def kyso(tmp_path: Path) -> Iterator[Kyso]:
    app = make_kyso(tmp_path)
    yield app
    app.services.close()
