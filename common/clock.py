"""Time: one clock object passed around so tests can freeze it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

#: Vietnam's civil time, used in visible stamps and reports (Decree 30/2020, Appendix I)
VN_TZ = timezone(timedelta(hours=7), "ICT")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that only moves when told to (tests)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta


def iso_vn(moment: datetime) -> str:
    """ISO 8601 in Vietnam time with the +07:00 offset, e.g. ``2026-11-23T09:15:00+07:00``."""
    return moment.astimezone(VN_TZ).replace(microsecond=0).isoformat()
