"""One ``PadesSigner`` per certificate and process.

A ``PadesSigner`` keeps what makes the next signature fast (the key resolved, the ESS
attributes encoded once, the time-stamp token and container sizes estimated once per level);
one made per request throws all of it away. The certificate is still checked before each use
(revoked or expired since it was cached: refused, as a new signer would be).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from certs.keys import KeyStore
from certs.pki import Pki
from signing.pades import PadesSigner, SigningContext
from signing.pki_adapter import signing_key, usable_record

#: signers kept per process (officials and seals of the agencies a process serves)
MAX_SIGNERS = 256


class SignerCache:
    def __init__(
        self, pki: Pki, store: KeyStore, context: SigningContext, size: int = MAX_SIGNERS
    ) -> None:
        self._pki, self._store, self._context = pki, store, context
        self._size = size
        self._signers: OrderedDict[str, PadesSigner] = OrderedDict()
        self._lock = threading.Lock()

    def signer(self, serial: str) -> PadesSigner:
        """The signer of certificate ``serial`` (``signing_key``'s refusals when it may not)."""
        record = usable_record(self._pki, serial)
        with self._lock:
            found = self._signers.get(record.serial)
            if found is not None:
                self._signers.move_to_end(record.serial)
                return found
        made = PadesSigner(self._store, signing_key(self._pki, serial), self._context)
        with self._lock:
            kept = self._signers.setdefault(record.serial, made)
            self._signers.move_to_end(record.serial)
            while len(self._signers) > self._size:
                self._signers.popitem(last=False)
        return kept

    def __len__(self) -> int:
        return len(self._signers)
