"""argon2id for passwords and PINs, with a cap on how many run at once in a process.

Each check takes 64 MiB for ~50 ms: 40 concurrent sign-ins (a server's thread pool) would take
2.5 GB. Above the cap, checks wait their turn; the throughput stays that of the CPU cores.
"""

from __future__ import annotations

import os
import threading
from typing import Literal

from argon2 import PasswordHasher

#: one gate for every hasher of the process (accounts and remote-signing PINs share memory)
_GATE = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


class BoundedHasher(PasswordHasher):
    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with _GATE:
            return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with _GATE:
            return super().verify(hash, password)
