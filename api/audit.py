"""Every action of the service's users goes into the archive's hash-chained audit log."""

from __future__ import annotations

from api.wiring import Services


def record(svc: Services, actor: str, action: str, subject: str, **details: object) -> None:
    svc.catalog.audit_log.append(actor=actor, action=action, subject=subject, details=details)
