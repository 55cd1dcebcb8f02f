"""``kyso pki trust add`` on a running server reaches the worker processes that verify uploads
at once (they used to keep the trust anchors they loaded when they started)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hostile import HostileKit, kyso_serve

pytestmark = pytest.mark.slow


def _chain_codes(url: str, pdf: bytes) -> set[str]:
    answer = httpx.post(
        f"{url}/api/v1/verify?offline=true",
        files={"file": ("a.pdf", pdf, "application/pdf")},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    [signature] = answer.json()["signatures"]
    return {f["code"] for f in signature["findings"]}


def test_a_trust_anchor_added_while_serving_is_used_by_the_running_workers(
    tmp_path: Path, hostile_kit: HostileKit
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with kyso_serve(data, verify_workers="1") as server:
        assert "chain_untrusted" in _chain_codes(server.url, hostile_kit.signed)  # pool started
        added = server.kyso("pki", "trust", "add", str(hostile_kit.root))
        assert added.returncode == 0, added.stderr
        codes = _chain_codes(server.url, hostile_kit.signed)
        assert "chain_untrusted" not in codes, codes
        assert "revocation_unavailable" in codes  # offline, B-B: trusted, revocation unknown
