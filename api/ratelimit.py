"""A sliding-window rate limiter per (scope, client), for login, PIN approval and public verify.

In-process: with several API processes each keeps its own window (documented in operations.md).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from common.errors import KysoError


class RateLimited(KysoError):
    default_code = "rate_limited"


@dataclass
class RateLimiter:
    limits: dict[str, tuple[int, float]]  # scope -> (requests, per seconds)
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
                raise RateLimited("rate_limited", f"too many requests; retry in {window:.0f} s")
            hits.append(now)
