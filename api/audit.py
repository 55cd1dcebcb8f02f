"""Every action of the service's users goes into the archive's hash-chained audit log."""

from __future__ import annotations

from api.wiring import Services
from archive.auditlog import append


def record(svc: Services, actor: str, action: str, subject: str, **details: object) -> None:
    with svc.engine.begin() as conn:
        append(conn, svc.clock, actor=actor, action=action, subject=subject, details=details)
