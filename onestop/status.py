"""A dossier's statuses and the steps between them, as pure functions.

Today's workflow has two statuses: a submitted dossier is being processed ("Đang giải quyết")
until an official returns its result ("Đã trả kết quả"), after which nothing changes it.
The strings are what the ``api_dossier.status`` column stores.
"""

from __future__ import annotations

from enum import StrEnum

from onestop.errors import DossierStateError


class DossierStatus(StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"


class DossierStep(StrEnum):
    """What an official may do to a dossier."""

    RETURN_RESULT = "return_result"


#: the status a dossier has once submitted
INITIAL = DossierStatus.SUBMITTED

_NEXT: dict[DossierStatus, dict[DossierStep, DossierStatus]] = {
    DossierStatus.SUBMITTED: {DossierStep.RETURN_RESULT: DossierStatus.RETURNED},
    DossierStatus.RETURNED: {},
}

#: the stable code and message of a refused step, where a precise one exists
_REFUSALS: dict[tuple[DossierStatus, DossierStep], tuple[str, str]] = {
    (DossierStatus.RETURNED, DossierStep.RETURN_RESULT): (
        "dossier_already_returned",
        "this dossier was already returned",
    ),
}


def parse_status(text: str) -> DossierStatus:
    """The status a stored string names; an unknown one is a state the code cannot handle."""
    try:
        return DossierStatus(text)
    except ValueError:
        message = f"unknown dossier status {text!r}"
        raise DossierStateError("dossier_status_unknown", message) from None


def allowed_steps(status: DossierStatus) -> frozenset[DossierStep]:
    return frozenset(_NEXT[status])


def is_final(status: DossierStatus) -> bool:
    """No step leads anywhere from it."""
    return not _NEXT[status]


def next_status(status: DossierStatus, step: DossierStep) -> DossierStatus:
    """The status after ``step``; ``DossierStateError`` when ``status`` does not allow it."""
    after = _NEXT[status].get(step)
    if after is None:
        code, message = _REFUSALS.get(
            (status, step), ("dossier_transition_illegal", f"a {status} dossier cannot {step}")
        )
        raise DossierStateError(code, message)
    return after
