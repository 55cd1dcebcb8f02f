"""Fixtures of the API tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from apitools import Kyso, make_kyso


@pytest.fixture
def kyso(tmp_path: Path) -> Kyso:
    return make_kyso(tmp_path)
