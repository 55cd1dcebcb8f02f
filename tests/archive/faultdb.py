"""Real database and store faults for the archive tests: a trigger makes PostgreSQL or SQLite
refuse a write exactly as a full disk does; what the object store holds, whatever the catalog
says."""

from __future__ import annotations

import sqlalchemy as sa

from archive.store.base import ObjectStore
from archive.store.folder import FolderStore
from archive.store.s3 import S3Store


def refuse(engine: sa.Engine, table: str, operation: str) -> None:
    """Make the database refuse ``operation`` on ``table`` like a full disk would."""
    name = f"kyso_fault_{table}_{operation.lower()}"
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "RAISE EXCEPTION 'could not extend file: No space left on device' "
                    "USING ERRCODE = 'disk_full'; END $$"
                )
            )
            conn.execute(
                sa.text(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            )
        else:
            conn.execute(
                sa.text(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
            )


def free(engine: sa.Engine) -> None:
    """Space is back: drop every fault trigger."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                sa.text(
                    "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON tgrelid = pg_class.oid"
                    " WHERE tgname LIKE 'kyso_fault_%'"
                )
            ).all()
            for trigger, table in rows:
                conn.execute(sa.text(f"DROP TRIGGER {trigger} ON {table}"))
                conn.execute(sa.text(f"DROP FUNCTION {trigger}()"))
        else:
            rows = conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE name LIKE 'kyso_fault_%'")
            ).all()
            for (trigger,) in rows:
                conn.execute(sa.text(f"DROP TRIGGER {trigger}"))


def stored_objects(store: ObjectStore) -> list[str]:
    """Every object (every version) the store holds, whatever the catalog says."""
    if isinstance(store, FolderStore):
        return sorted(str(p) for p in (store.root / "objects").rglob("*") if p.is_file())
    assert isinstance(store, S3Store)
    client = store._client
    listed = client.list_objects(store.bucket, prefix="objects/", include_version=True)
    return sorted(f"{o.object_name}@{o.version_id}" for o in listed)
