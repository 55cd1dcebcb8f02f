"""X-Forwarded-For is believed only from KYSO_TRUSTED_PROXIES (against a running kyso serve).

uvicorn's default trusts 127.0.0.1: a client on the host (or behind a local tunnel) rotating
the header had a fresh login and PIN window for every request.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from servetools import kyso_served

from api.settings import Settings

WRONG = {"username": "citizen1", "password": "not-the-password"}
APPROVAL = {"credentialID": "c", "numSignatures": 1, "hash": ["AA=="], "PIN": "1", "OTP": "1"}


def _login_codes(client: httpx.Client, headers: list[dict[str, str]]) -> list[int]:
    return [client.post("/api/v1/auth/token", json=WRONG, headers=h).status_code for h in headers]


@pytest.mark.slow
def test_rotating_x_forwarded_for_does_not_reset_the_login_and_pin_limits(tmp_path: Path) -> None:
    limits = {"KYSO_RATE_LOGIN_PER_MINUTE": "3", "KYSO_RATE_PIN_PER_MINUTE": "2"}
    with kyso_served(tmp_path, limits) as server, server.client() as client:
        rotated = [{"X-Forwarded-For": f"198.51.100.{n}"} for n in range(1, 7)]
        assert _login_codes(client, rotated) == [401, 401, 401, 429, 429, 429]
        pin = [
            client.post(
                "/csc/v1/credentials/authorize",
                json=APPROVAL,
                headers={**server.kyso.headers("citizen"), **spoof},
            )
            for spoof in rotated[:4]
        ]
        assert [r.status_code for r in pin][2:] == [429, 429], [r.text for r in pin]
        assert 429 not in [r.status_code for r in pin][:2]


@pytest.mark.slow
def test_behind_a_trusted_proxy_the_limit_counts_per_forwarded_client(tmp_path: Path) -> None:
    env = {"KYSO_RATE_LOGIN_PER_MINUTE": "3", "KYSO_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}
    with kyso_served(tmp_path, env) as server, server.client() as client:
        first = {"X-Forwarded-For": "203.0.113.7"}
        assert _login_codes(client, [first] * 4) == [401, 401, 401, 429]
        # another client behind the same proxy has its own window
        assert _login_codes(client, [{"X-Forwarded-For": "203.0.113.8"}]) == [401]
        # the proxy appends the address it saw: what the client wrote to the left of it, or a
        # trusted hop (10.x) in between, changes nothing
        spoofed = [
            {"X-Forwarded-For": "192.0.2.1, 203.0.113.7"},
            {"X-Forwarded-For": "192.0.2.2, 203.0.113.7, 10.1.2.3"},
        ]
        assert _login_codes(client, spoofed) == [429, 429]


def test_a_trusted_proxy_that_is_not_an_address_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
        Settings(trusted_proxies="127.0.0.1, proxy.internal")
    assert Settings(trusted_proxies=" 127.0.0.1 ,10.0.0.0/8,").proxy_list == [
        "127.0.0.1",
        "10.0.0.0/8",
    ]
    assert Settings().proxy_list == []
