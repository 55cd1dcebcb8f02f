"""Real threads released together, for the tests that claim safety under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from common.errors import KysoError

T = TypeVar("T")


def at_once(count: int, call: Callable[[], T]) -> list[T | KysoError]:
    """``call`` from ``count`` threads released by one barrier; each result or kyso error."""
    barrier = threading.Barrier(count)

    def run() -> T | KysoError:
        barrier.wait()
        try:
            return call()
        except KysoError as exc:
            return exc

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [future.result() for future in futures]


def outcomes(results: list[T | KysoError]) -> list[str]:
    """The error codes of ``results`` ("ok" for a result), sorted."""
    return sorted(r.code if isinstance(r, KysoError) else "ok" for r in results)
