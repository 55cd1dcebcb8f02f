"""Rate limits shared by every API process through Redis (``KYSO_RATE_LIMIT_STORE=redis``)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.ratelimit import RateLimited, RateLimiter, RedisRateLimiter
from api.settings import Settings
from api.wiring import build_services

REDIS = "redis://127.0.0.1:6379/6"
pytestmark = pytest.mark.redis


def _allowed(limiter: RateLimiter | RedisRateLimiter, client: str, times: int) -> int:
    passed = 0
    for _ in range(times):
        try:
            limiter.check("login", client)
            passed += 1
        except RateLimited:
            pass
    return passed


def test_two_processes_share_one_window_in_redis(redis_url: str) -> None:
    first = RedisRateLimiter(REDIS, {"login": (3, 60.0)})
    second = RedisRateLimiter(REDIS, {"login": (3, 60.0)})
    client = "198.51.100." + secrets.token_hex(3)
    assert _allowed(first, client, 2) + _allowed(second, client, 5) == 3
    assert _allowed(second, client + "-other", 3) == 3  # another address has its own window


def test_in_memory_windows_are_per_process() -> None:
    first, second = RateLimiter({"login": (3, 60.0)}), RateLimiter({"login": (3, 60.0)})
    assert _allowed(first, "a", 5) + _allowed(second, "a", 5) == 6


def test_an_unreachable_redis_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", {"login": (1, 60.0)})
    assert _allowed(limiter, "a", 3) == 3
    assert "rate limit store unavailable" in caplog.text


def test_logins_over_two_api_processes_are_limited_together(tmp_path: Path, redis_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path, rate_limit_store="redis", redis_url=REDIS, rate_login_per_minute=4
    )
    import redis

    redis.Redis.from_url(REDIS).delete("kyso:rate:login:testclient")
    apps = [TestClient(create_app(settings, build_services(settings))) for _ in range(2)]
    codes = [
        apps[n % 2].post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
        for n in range(6)
    ]
    assert codes == [401, 401, 401, 401, 429, 429]
