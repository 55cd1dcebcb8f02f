"""argon2 checks (64 MiB each) run at most a few at a time per process, however many sign-ins
and PIN approvals arrive together."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher

import common.passwords
from common.passwords import BoundedHasher


def test_concurrent_checks_wait_at_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common.passwords, "_GATE", threading.BoundedSemaphore(2))
    running, most = 0, 0
    lock = threading.Lock()
    real = PasswordHasher.verify

    def slow_verify(self: PasswordHasher, hash: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    hasher = BoundedHasher()
    stored = hasher.hash("mat-khau")
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: hasher.verify(stored, "mat-khau"), range(16)))
    assert results == [True] * 16
    assert most == 2
