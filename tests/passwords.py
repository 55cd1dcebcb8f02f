"""Test accounts without an argon2 hash each: the fixtures make one account per role for every
test (about 0.2 s of CPU a hash at the production cost, six a data dir), all with the same
password. ``one_hash_per_password`` hashes each password once per process, at the production
cost (the fixture accounts of one password share its salt); sign-ins still verify it with
argon2 as always."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.accounts.service import Accounts
from common.passwords import BoundedHasher

_HASHES: dict[str, str] = {}


class _HashOnce(BoundedHasher):
    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if salt is not None or not isinstance(password, str):
            return super().hash(password, salt=salt)
        if password not in _HASHES:
            _HASHES[password] = super().hash(password)
        return _HASHES[password]


@contextmanager
def one_hash_per_password(accounts: Accounts) -> Iterator[Accounts]:
    """``accounts`` creating its users inside the block with the process's hash of their
    password; afterwards (the test's own accounts) it hashes as it always does."""
    real = accounts._hasher
    accounts._hasher = _HashOnce()
    try:
        yield accounts
    finally:
        accounts._hasher = real
