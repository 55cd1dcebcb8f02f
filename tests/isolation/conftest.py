"""Fixtures of the isolation tests: a hostile revocation server, a document whose
certificates point at it, and a running ``kyso serve`` that trusts that document's CA."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hostile import Hostile, HostileKit, Served, kyso_serve, signed_by_throwaway_ca


@pytest.fixture(scope="module")
def hostile_kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileKit]:
    hostile = Hostile()
    try:
        signed, root = signed_by_throwaway_ca(tmp_path_factory.mktemp("ca"), hostile.url)
        yield HostileKit(hostile, signed, root)
    finally:
        hostile.stop()


#: small fetch limits keep the tests short; the verdicts do not depend on them
FAST_FETCH = {
    "verify_workers": "1",
    "fetch_timeout_seconds": "1",
    "revocation_budget_seconds": "4",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, hostile_kit: HostileKit) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("serve") / "data"
    data.mkdir()
    # the hostile responder is on loopback, where the fetch policy never goes unless the
    # operator trusts the host: these tests trust it, as an agency trusts its own responder
    trusted = hostile_kit.hostile.url.removeprefix("http://")
    with kyso_serve(data, **FAST_FETCH, fetch_allow_hosts=trusted) as server:
        added = server.kyso("pki", "trust", "add", str(hostile_kit.root))
        assert added.returncode == 0, added.stderr
        yield server
