"""A dossier as the workflow sees it (frozen), its public face, and its promised date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from common.clock import VN_TZ
from onestop.status import DossierStatus


@dataclass(frozen=True)
class Dossier:
    code: str
    service: str
    agency: str
    #: the citizen who submitted it (a username)
    owner: str
    status: DossierStatus
    submitted_at: datetime
    promised_at: datetime
    returned_at: datetime | None
    #: the archive's id of the signed submission
    submission_document: str
    #: what the archive's verification said of it (ETSI indication, or NO_SIGNATURE)
    submission_indication: str
    result_document: str | None
    #: the official who returned it
    handled_by: str | None = None


@dataclass(frozen=True)
class PublicDossier:
    """What anyone holding the code (the QR landing page) may see: progress, no personal data
    (no owner, no submission, no handling official)."""

    code: str
    service: str
    agency: str
    status: DossierStatus
    submitted_at: datetime
    promised_at: datetime
    returned_at: datetime | None
    #: the returned result (stored public in the archive), once there is one
    result_document: str | None


def promised_date(start: datetime, working_days: int) -> datetime:
    """``working_days`` later in Vietnam, Saturdays and Sundays not counted, at 17:00."""
    day = start.astimezone(VN_TZ)
    left = working_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day.replace(hour=17, minute=0, second=0, microsecond=0)
