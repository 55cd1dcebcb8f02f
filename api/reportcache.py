"""Recent verification reports of archived documents, so that a QR landing page scanned again
and again (or hammered) is not verified again each time. A report is kept ``ttl`` seconds:
a revocation shows on the page at most that late."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # verify/ (pyHanko) loads when a report is made, not with the services
    from verify.model import ValidationReport


class ReportCache:
    def __init__(self, ttl: float = 300.0, max_entries: int = 1024) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, ValidationReport]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str) -> ValidationReport | None:
        with self._lock:
            found = self._entries.get(sha256)
            if found is None or found[0] + self.ttl <= time.monotonic():
                self._entries.pop(sha256, None)
                return None
            self._entries.move_to_end(sha256)
            return found[1]

    def put(self, sha256: str, report: ValidationReport) -> None:
        with self._lock:
            self._entries[sha256] = (time.monotonic(), report)
            self._entries.move_to_end(sha256)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
