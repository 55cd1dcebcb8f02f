"""What the browser tests share (a module name of its own: several test folders have a
``conftest``, so importing from ``conftest`` would depend on collection order)."""

from __future__ import annotations

from dataclasses import dataclass

from api.wiring import Services

PASSWORD = "mat-khau-rat-dai-123"


@dataclass
class Live:
    url: str
    services: Services
    #: the running app (``app.state.services`` is what it serves)
    app: object = None
