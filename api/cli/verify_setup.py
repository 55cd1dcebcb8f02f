"""What ``kyso verify`` needs before it reads a document: trust, revocation, limits.

A machine without kyso's database (a bank, a court, a script checking a folder) opens no
database and creates none: the document is verified against ``--trust`` roots, revocation
data fetched under the fetch policy. Where the database exists, kyso's roots, imported trust
anchors and intermediate CA certificates are read from it and kyso's own CRL/OCSP URLs are
answered in-process; a database whose schema is at head is used as it is (one query, no
Alembic, no lock), an older one is migrated first as every other command does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from api.settings import Settings
from api.wiring import Services
from verify.options import VerifyOptions


def database_exists(settings: Settings) -> bool:
    """False only for a SQLite file that is not there (nothing to read, nothing to create);
    any other database URL is a configured server, asked. (Read without SQLAlchemy, 0.5 s to
    import, which a machine without kyso's database never needs.)"""
    url = settings.resolved_database_url
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] != "sqlite":
        return True
    database = rest.removeprefix("/").split("?")[0]
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    path = Path(database)
    return path.is_file() and path.stat().st_size > 0


def _open_catalog(services: Services) -> bool:
    """Give ``services`` its database (migrated only if its schema is behind); True when it
    holds a kyso PKI."""
    from api.database import make_engine
    from api.schema_peek import schema_at_heads

    engine = make_engine(services.settings.resolved_database_url)
    if schema_at_heads(engine):
        services.use_engine(engine)
    else:
        engine.dispose()
        services.engine  # noqa: B018 - opens and migrates, as before
    return services.pki.is_initialised()


def verification_setup(
    settings: Settings, *, offline: bool
) -> tuple[Services, VerifyOptions, bool]:
    """(services, base options, whether kyso's PKI was read). The caller adds --trust, --at,
    --policy and, before forking the verifier, disposes of ``services.engine`` when the PKI
    was read (a forked child must not share pooled connections)."""
    services = Services(settings)
    if database_exists(settings) and _open_catalog(services):
        base = services.verify_options(online=not offline)
        pki = services.pki
        others = tuple(
            pki.authority_certificate(row.name) for row in pki.authorities() if row.parent
        )
        return services, dataclasses.replace(base, other_certs=(*base.other_certs, *others)), True
    source = services.http_source()
    base = VerifyOptions(trust_roots=(), online=not offline, revocation_source=source)
    return services, base, False
