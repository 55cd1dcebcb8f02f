"""kyso's PKI read with the sqlite3 module, read-only: what verifying a document needs of it.

Verification reads trust anchors, CA certificates, OCSP responders and certificate statuses;
it writes nothing but a CA's CRL, when the stored one is stale and must be re-signed (rare:
kyso's certificates name an OCSP responder, which pyHanko asks first). That one write goes to
``writer``, the ORM's ``certs.revocation.Revocation``, made the first time it is needed.
SQLAlchemy and the ORM take 0.3-0.5 s to import, which ``kyso verify`` would otherwise pay on
every run; the OCSP answers are built by the same ``certs.ocsp.OcspResponder`` either way.

The caller opens a view only on a SQLite file whose schema is at the heads the code declares
(``api.schema_peek``); any other database, or one being migrated, goes through the ORM. The
columns read here are those of the ORM's tables (``certs.catalog``), read as it reads them
(SQLite keeps moments as UTC text). A process reads through its own connection (``mode=ro``,
opened on first use, each query its own read transaction): a view may be used after a fork,
a child never touching its parent's connection, which ``close`` ends before the fork.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from asn1crypto import x509

from certs.errors import PkiNotFoundError
from certs.keys import KeyStore
from certs.profiles import PkiOptions, Profile
from certs.records import CRL_VALIDITY, RevocationStatus, stored_crl_fresh, utc
from certs.x509build import KeyRef, key_ref
from common.clock import Clock

if TYPE_CHECKING:  # sqlite3 loads when a view first reads: certs.fetching imports this module
    import sqlite3

Row = tuple[object, ...]
_NEVER = datetime.min.replace(tzinfo=UTC)


class RevocationBook(Protocol):
    """A CA's current CRL (DER, signed anew when needed) and a certificate's status: met by
    ``certs.revocation.Revocation`` and by ``SqlitePkiView``."""

    def crl(self, ca: str) -> bytes: ...

    def status(self, ca: str, serial: int) -> RevocationStatus: ...


def _blob(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"expected a BLOB, got {type(value).__name__}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected an INTEGER, got {type(value).__name__}")
    return value


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _moment(value: object) -> datetime | None:
    """A ``UtcDateTime`` column as SQLite holds it (UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    return None if value is None else utc(datetime.fromisoformat(str(value)))


class SqlitePkiView:
    """The read side of ``certs.pki.Pki`` and ``certs.revocation.Revocation`` that
    verification uses, over one SQLite file; ``crl`` hands a stale CRL to ``writer()``."""

    def __init__(
        self,
        path: Path,
        keystore: KeyStore,
        options: PkiOptions,
        clock: Clock,
        writer: Callable[[], RevocationBook],
    ) -> None:
        self.path, self.keystore, self.options = path, keystore, options
        self._clock = clock
        self._writer = writer
        self._written: RevocationBook | None = None
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    @property
    def clock(self) -> Clock:
        return self._clock

    def _rows(self, sql: str, *params: object) -> list[Row]:
        if self._db is None or self._pid != os.getpid():
            import sqlite3

            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self._db, self._pid = sqlite3.connect(uri, uri=True), os.getpid()
        return list(self._db.execute(sql, params))

    def close(self) -> None:
        """Closes this process's connection (a later read opens another)."""
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None

    def is_initialised(self) -> bool:
        root = self._rows("SELECT 1 FROM certs_authority WHERE name = 'root'")
        tsa = self._rows("SELECT 1 FROM certs_certificate WHERE profile = ? LIMIT 1",
                         Profile.TSA.value)  # fmt: skip
        return bool(root) and bool(tsa)

    def trust_anchors(self) -> list[x509.Certificate]:
        rows = self._rows("SELECT cert_der FROM certs_trust_anchor ORDER BY added_at")
        return [x509.Certificate.load(_blob(der)) for (der,) in rows]

    def intermediate_certificates(self) -> list[x509.Certificate]:
        """The certificates of kyso's CAs below the root, in the catalog's order."""
        rows = self._rows("SELECT parent, cert_der FROM certs_authority")
        return [x509.Certificate.load(_blob(der)) for parent, der in rows if parent]

    def authority_certificate(self, ca: str) -> x509.Certificate:
        rows = self._rows("SELECT cert_der FROM certs_authority WHERE name = ?", ca)
        if not rows:
            raise PkiNotFoundError("ca_unknown", f"no certificate authority {ca!r} (run pki init)")
        return x509.Certificate.load(_blob(rows[0][0]))

    def key_ref(self, label: str) -> KeyRef:
        return key_ref(self.keystore, label, pss=self.options.use_pss)

    def ocsp_responder(self, ca: str) -> tuple[bytes, str | None] | None:
        """(certificate, key label) of ``ca``'s latest good OCSP responder, if any."""
        rows = self._rows(
            "SELECT cert_der, key_label, not_after FROM certs_certificate "
            "WHERE profile = ? AND issuer = ? AND status = 'good'",
            Profile.OCSP.value,
            ca,
        )
        if not rows:
            return None
        # the last of the latest, as the ORM's stable sort by ``not_after`` (never NULL) gives
        der, label, _end = max(reversed(rows), key=lambda row: _moment(row[2]) or _NEVER)
        return _blob(der), _text(label)

    def status(self, ca: str, serial: int) -> RevocationStatus:
        rows = self._rows(
            "SELECT issuer, status, revoked_at, revocation_reason FROM certs_certificate "
            "WHERE serial = ?",
            format(serial, "x"),
        )
        if not rows or rows[0][0] != ca:
            return RevocationStatus("unknown")
        _issuer, status, revoked_at, reason = rows[0]
        moment = _moment(revoked_at)
        if status == "revoked" and moment is not None:
            return RevocationStatus("revoked", moment, _text(reason))
        return RevocationStatus("good")

    def crl(self, ca: str) -> bytes:
        """The stored CRL of ``ca`` while it is fresh; else the writer signs a new one."""
        rows = self._rows(
            "SELECT crl_der, crl_epoch, revocation_epoch, crl_next_update FROM certs_authority "
            "WHERE name = ?",
            ca,
        )
        if not rows:
            raise PkiNotFoundError("ca_unknown", f"no certificate authority {ca!r}")
        der, crl_epoch, revocation_epoch, next_update = rows[0]
        stored = None if der is None else _blob(der)
        moment = _moment(next_update)
        fresh = stored_crl_fresh(stored, _int(crl_epoch), _int(revocation_epoch), moment,
                                 self.clock.now(), CRL_VALIDITY)  # fmt: skip
        if fresh and stored is not None:
            return stored
        if self._written is None:
            self._written = self._writer()
        return self._written.crl(ca)
