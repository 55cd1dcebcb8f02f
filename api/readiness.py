"""What ``/ready`` checks beyond "the backend answers": room on the data disk, and a database
whose schema kyso can read (a damaged SQLite file can still answer ``SELECT 1``)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from api.failures import data_folders, disk_full, infrastructure_error
from api.settings import Settings
from common.errors import ExternalServiceError


def check_data_disk(settings: Settings) -> None:
    if disk_full(data_folders(settings.data_dir, settings.resolved_database_url)):
        raise ExternalServiceError("storage_full", "less than 8 MiB free on the data disk")


def check_database(engine: Engine) -> None:
    """Reads the schema and kyso's revisions (pages a damaged file fails on), not only SELECT 1."""
    from api.database import current_heads

    try:
        with engine.connect() as conn:
            current_heads(conn)
    except DBAPIError as exc:
        error = infrastructure_error(exc)
        if error is None:
            raise ExternalServiceError("database_unavailable", "no answer") from exc
        raise error from exc
