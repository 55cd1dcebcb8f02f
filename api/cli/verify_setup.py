"""What ``kyso verify`` needs before it reads a document: trust, revocation, limits.

A machine without kyso's database (a bank, a court, a script checking a folder) opens no
database and creates none: the document is verified against ``--trust`` roots, revocation
data fetched under the fetch policy. Where the database exists, kyso's roots, imported trust
anchors and intermediate CA certificates are read from it and kyso's own CRL/OCSP URLs are
answered in-process; a database whose schema is at head is used as it is (one query, no
Alembic, no lock), an older one is migrated first as every other command does. A SQLite file
at head is read with the sqlite3 module, read-only (``certs.pki_view``: no SQLAlchemy, 0.3 s
of a 1 s command); the ORM is used for PostgreSQL, for an older schema, to seal a PDF report
(``--pdf``: the seal's key and certificates) and, in the verifier child, to re-sign a stale CRL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from api import build
from common.clock import Clock, SystemClock
from verify.options import VerifyOptions

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from api.settings_verify import VerifySettingsView
    from certs.keys import KeyStore
    from certs.pki import Pki
    from certs.pki_view import SqlitePkiView
    from certs.revocation import Revocation


@dataclass(frozen=True)
class VerifySetup:
    """What ``kyso verify`` built: kyso's PKI and key store when its database holds a PKI
    (for trust, and for sealing the PDF report), else none of them."""

    settings: VerifySettingsView
    clock: Clock
    engine: Engine | None = None
    pki: Pki | None = None
    keystore: KeyStore | None = None


def sqlite_file(settings: VerifySettingsView) -> Path | None:
    """The file of a ``sqlite://`` database URL (None: another database, or no file)."""
    scheme, _, rest = settings.resolved_database_url.partition("://")
    if scheme.split("+")[0] != "sqlite":
        return None
    database = rest.removeprefix("/").split("?")[0]
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def database_exists(settings: VerifySettingsView) -> bool:
    """False only for a SQLite file that is not there (nothing to read, nothing to create);
    any other database URL is a configured server, asked. (Read without SQLAlchemy, 0.5 s to
    import, which a machine without kyso's database never needs.)"""
    if not settings.resolved_database_url.startswith("sqlite"):
        return True
    path = sqlite_file(settings)
    return path is not None and path.is_file() and path.stat().st_size > 0


def _pki_view(settings: VerifySettingsView, clock: Clock) -> SqlitePkiView | None:
    """kyso's PKI read-only from a SQLite file at head, or None (then the ORM reads it)."""
    from api.schema_peek import sqlite_at_heads

    path = sqlite_file(settings)
    if path is None or not sqlite_at_heads(path):
        return None
    from certs.pki_view import SqlitePkiView

    store = build.keystore(settings)

    def writer() -> Revocation:  # a stale CRL, in the verifier child: its own engine
        from api.database import make_engine
        from certs.revocation import Revocation

        engine = make_engine(settings.resolved_database_url)
        return Revocation(build.pki(settings, engine, store, clock))

    return SqlitePkiView(path, store, build.pki_options(settings), clock, writer)


def _open_database(settings: VerifySettingsView) -> Engine:
    """The existing database, migrated only if its schema is behind (one query, no Alembic
    and no lock when it is at head)."""
    from api.database import make_engine
    from api.schema_peek import schema_at_heads

    engine = make_engine(settings.resolved_database_url)
    if schema_at_heads(engine):
        return engine
    engine.dispose()
    return build.open_database(settings)  # migrates, as every other command does


def verification_setup(
    settings: VerifySettingsView, *, offline: bool, seal: bool = False
) -> tuple[VerifySetup, VerifyOptions, bool]:
    """(setup, base options, whether kyso's PKI was read). ``seal``: the caller seals a PDF
    report, ``setup.pki`` is then the ORM's. The caller adds --trust, --at, --policy and,
    before forking the verifier, disposes of ``setup.engine`` when there is one (a forked
    child must not share pooled connections)."""
    from certs.sources import PkiUrlSource

    clock = SystemClock()
    view = None if seal or not database_exists(settings) else _pki_view(settings, clock)
    if view is not None:
        try:
            if not view.is_initialised():
                return _without_pki(settings, clock, offline)
            anchors, below = view.trust_anchors(), view.intermediate_certificates()
        finally:
            view.close()  # the verifier child, a fork, opens its own connection
        base = VerifyOptions(
            trust_roots=tuple(anchors),
            other_certs=tuple(below),
            online=not offline,
            revocation_source=PkiUrlSource(view, build.http_source(settings)),
            limits=build.verify_limits(settings),
            revocation_cache=build.revocation_cache(settings),
        )
        return VerifySetup(settings, clock), base, True
    if database_exists(settings):
        from certs.ocsp import OcspResponder
        from certs.revocation import Revocation

        engine = _open_database(settings)
        store = build.keystore(settings)
        pki = build.pki(settings, engine, store, clock)
        if pki.is_initialised():
            revocation = Revocation(pki)
            source = PkiUrlSource(
                pki, build.http_source(settings), revocation, OcspResponder(pki, revocation)
            )
            others = tuple(
                pki.authority_certificate(row.name) for row in pki.authorities() if row.parent
            )
            base = VerifyOptions(
                trust_roots=tuple(pki.trust_anchors()),
                online=not offline,
                revocation_source=source,
                limits=build.verify_limits(settings),
                revocation_cache=build.revocation_cache(settings),
            )
            base = dataclasses.replace(base, other_certs=(*base.other_certs, *others))
            return VerifySetup(settings, clock, engine, pki, store), base, True
    return _without_pki(settings, clock, offline)


def _without_pki(
    settings: VerifySettingsView, clock: Clock, offline: bool
) -> tuple[VerifySetup, VerifyOptions, bool]:
    source = build.http_source(settings)
    base = VerifyOptions(trust_roots=(), online=not offline, revocation_source=source)
    return VerifySetup(settings, clock), base, False
