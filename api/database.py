"""Database engine and migrations (Alembic, one branch per domain package).

Migrations are atomic and serialised, so a killed or concurrent first command never leaves a
database that nothing opens again:

- the whole upgrade (every pending revision of every package and the ``alembic_version`` rows)
  runs in one transaction: a crash anywhere leaves the previous schema as it was;
- on SQLite, pysqlite opens no transaction for DDL by itself, so the migration connection is
  put in driver autocommit and kyso emits ``BEGIN IMMEDIATE`` itself (SQLAlchemy's documented
  recipe for pysqlite); taking the write lock up front also serialises concurrent upgrades;
- on PostgreSQL (transactional DDL) ``pg_advisory_xact_lock`` inside the upgrade transaction
  serialises upgrades; the lock goes with the transaction, also when the process dies;
- a process finds the schema at head with one query and no lock (``migrate`` is cheap then);
  after taking the lock it looks again, so a waiter that lost the race does nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from api.files import make_private, private_dir, private_file
from common.errors import ExternalServiceError

if TYPE_CHECKING:  # Alembic (0.3 s to import) loads when a migration is looked at
    from alembic.config import Config

#: packages that own tables; each keeps its Alembic revisions in ``<package>/migrations``
MIGRATING_PACKAGES = ("certs", "signing", "archive", "api")

#: seconds a connection waits for SQLite's write lock (another writer, a running upgrade)
SQLITE_BUSY_SECONDS = 30
#: seconds an upgrade waits for another process's upgrade to finish (SQLite)
MIGRATION_WAIT_SECONDS = 300
#: key of the PostgreSQL advisory lock that serialises kyso's upgrades ("kysomigr")
PG_MIGRATION_LOCK = int.from_bytes(b"kysomigr", "big")


def _sqlite_path(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm files take the
    database file's mode), and tighten the mode of an older install's files."""
    private_dir(path.parent, tighten=False)
    private_file(path)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            make_private(path.with_name(path.name + suffix), 0o600)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if path is not None:
            _prepare_sqlite_file(path)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _version_locations() -> list[str]:
    found = []
    for package in MIGRATING_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        folder = Path(spec.origin).parent / "migrations"
        if folder.is_dir():
            found.append(str(folder))
    return found


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration; env.py runs the migrations on ``connection`` (in its
    transaction, which Alembic then leaves alone: it neither commits nor rolls back)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    config.set_main_option("version_locations", " ".join(_version_locations()))
    config.set_main_option("path_separator", "space")
    config.attributes["connection"] = connection
    return config


@functools.cache
def script_heads() -> frozenset[str]:
    """The newest revision of each package's branch (read once per process)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_heads(connection: Connection) -> frozenset[str]:
    """The revisions the database is at (empty for a new database)."""
    from alembic.runtime.migration import MigrationContext

    return frozenset(MigrationContext.configure(connection).get_current_heads())


def at_heads(engine: Engine) -> bool:
    with engine.connect() as conn:
        return current_heads(conn) == script_heads()


@contextlib.contextmanager
def _sqlite_upgrade_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection of its own in driver autocommit; ``BEGIN IMMEDIATE`` takes the write lock
    (waiting for another upgrade) and makes the DDL part of one transaction."""
    own = create_engine(
        engine.url,
        poolclass=NullPool,
        connect_args={"timeout": MIGRATION_WAIT_SECONDS, "isolation_level": None},
    )

    @event.listens_for(own, "connect")
    def _autocommit(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # pysqlite: no implicit BEGIN/COMMIT of its own
        cursor = dbapi_conn.cursor()
        # batch migrations copy and drop tables: foreign keys are checked once, at the end
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={MIGRATION_WAIT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(own, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with own.connect() as conn, conn.begin():
            yield conn
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise ExternalServiceError(
                    "migration_failed", f"the upgrade breaks foreign keys in {broken[0][0]}"
                )
    finally:
        own.dispose()


@contextlib.contextmanager
def _postgresql_upgrade_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        yield conn


def _upgrade_transaction(engine: Engine) -> contextlib.AbstractContextManager[Connection]:
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_upgrade_transaction(engine)
    if backend == "postgresql":
        return _postgresql_upgrade_transaction(engine)
    raise ExternalServiceError("database_unsupported", f"kyso does not run on {backend}")


def upgrade(engine: Engine, *targets: str) -> None:
    """Upgrade to ``targets`` (Alembic revision names) in one serialised transaction."""
    from alembic import command
    from alembic.util import CommandError

    with _upgrade_transaction(engine) as conn:
        if targets == ("heads",) and current_heads(conn) == script_heads():
            return  # another process upgraded while this one waited for the lock
        config = alembic_config(conn)
        try:
            for target in targets:
                command.upgrade(config, target)
        except CommandError as exc:  # e.g. the database is newer than this kyso
            raise ExternalServiceError("database_schema_unknown", str(exc)) from exc


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision of every package: idempotent, atomic,
    serialised; one query and no lock when the schema is already there."""
    if at_heads(engine):
        return
    upgrade(engine, "heads")


@contextlib.contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """One process at a time in the block, for all processes that share the database: a
    session advisory lock on PostgreSQL, a lock file beside the database on SQLite."""
    backend = engine.url.get_backend_name()
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    if backend == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
        return
    path = _sqlite_path(engine.url)
    if path is None:  # an in-memory database belongs to this process alone
        yield
        return
    lock = path.with_name(f"{path.name}.{name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel when the process dies
        yield
    finally:
        os.close(fd)
