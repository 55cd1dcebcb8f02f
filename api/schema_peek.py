"""Is a database's schema at head? Answered without Alembic (0.3 s to import) and without a lock.

``kyso verify`` reads trust material from an existing database but never needs to change its
schema: when the schema is already at head it opens it as it is, and only an older one goes
through ``api.database.migrate`` (as every other command does). The heads are read from the
revision files themselves (``revision`` / ``down_revision`` assignments), the same files
Alembic reads; tests/api/test_verify_startup.py checks both agree.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from api.database import MIGRATING_PACKAGES


def _assignments(path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        found[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue
    return found


@functools.cache
def declared_heads() -> frozenset[str]:
    """The newest revision of each package's branch, from its ``migrations`` folder."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for package in MIGRATING_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        for path in sorted((Path(spec.origin).parent / "migrations").glob("*.py")):
            values = _assignments(path)
            revision = values.get("revision")
            if not isinstance(revision, str):
                continue
            revisions.add(revision)
            down = values.get("down_revision")
            if isinstance(down, str):
                parents.add(down)
            elif isinstance(down, tuple | list):
                parents.update(str(item) for item in down)
    return frozenset(revisions - parents)


def schema_at_heads(engine: Engine) -> bool:
    """One query: does the database record exactly the declared heads? (False for a database
    without kyso's tables, or one older or newer than this code.)"""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            current = frozenset(str(row) for row in rows)
    except (OperationalError, ProgrammingError):
        return False
    return current == declared_heads()
