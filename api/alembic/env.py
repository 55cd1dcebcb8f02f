"""Alembic environment: runs online on the connection kyso passes in, inside kyso's own
transaction (api/database.py), so Alembic neither commits nor rolls back by itself."""

from __future__ import annotations

import os
import signal
from collections.abc import Collection, Mapping
from pathlib import Path

from alembic import context
from alembic.runtime.environment import OnVersionApplyFn
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection

#: fault injection for the crash tests (tests/faults/test_migrations.py):
#: ``<revision>:<file>`` stops the upgrade right after ``<revision>`` was applied, inside the
#: upgrade transaction, and creates ``<file>`` to tell the test it may kill the process now
PAUSE_HOOK = "KYSO_FAULT_MIGRATION_PAUSE"


def _pause_after(revision: str, marker: Path) -> OnVersionApplyFn:
    def on_version_apply(
        ctx: MigrationContext,
        step: MigrationInfo,
        heads: Collection[object],
        run_args: Mapping[str, object],
    ) -> None:
        if revision in step.up_revision_ids:
            marker.touch()
            while True:
                signal.pause()

    return on_version_apply


connection: Connection = context.config.attributes["connection"]
hook = None
if pause := os.environ.get(PAUSE_HOOK):
    revision, _, marker = pause.partition(":")
    hook = _pause_after(revision, Path(marker))
context.configure(connection=connection, render_as_batch=True, on_version_apply=hook)
with context.begin_transaction():
    context.run_migrations()
