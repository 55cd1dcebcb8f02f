"""Sliding-window rate limits per (scope, client), for login, PIN approval and public verify.

``RateLimiter`` keeps its windows in the process; ``RedisRateLimiter`` shares them between
every API process through Redis (``KYSO_RATE_LIMIT_STORE=redis``), so N processes do not allow
N times the limit. If Redis does not answer, requests are let through and a warning logged:
accounts and remote-signing credentials still lock after repeated failures (in the database).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from common.errors import KysoError

log = logging.getLogger(__name__)
#: scope -> (requests, per seconds)
Limits = dict[str, tuple[int, float]]


class RateLimited(KysoError):
    default_code = "rate_limited"


def _refuse(window: float) -> RateLimited:
    return RateLimited("rate_limited", f"too many requests; retry in {window:.0f} s")


class Limiter(Protocol):
    limits: Limits

    def check(self, scope: str, client: str) -> None:
        """Count one request; raise ``RateLimited`` when the window is full."""
        ...


@dataclass
class RateLimiter:
    limits: Limits
    _hits: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, scope: str, client: str) -> None:
        count, window = self.limits[scope]
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault((scope, client), deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= count:
                raise _refuse(window)
            hits.append(now)


#: one atomic step on a sorted set of request times (Redis's own clock, shared by all)
_SLIDE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], t, now[1] .. '.' .. now[2] .. ':' .. ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return 1
"""


class RedisRateLimiter:
    def __init__(self, redis_url: str, limits: Limits) -> None:
        import redis

        self.limits = limits
        self._client = redis.Redis.from_url(redis_url, socket_timeout=0.5)
        self._slide = self._client.register_script(_SLIDE)
        self._errors = (redis.RedisError,)

    def check(self, scope: str, client: str) -> None:
        import secrets

        count, window = self.limits[scope]
        try:
            allowed = self._slide(
                keys=[f"kyso:rate:{scope}:{client}"], args=[count, window, secrets.token_hex(4)]
            )
        except self._errors:
            log.warning("rate limit store unavailable: %s not limited", scope)
            return
        if not allowed:
            raise _refuse(window)
