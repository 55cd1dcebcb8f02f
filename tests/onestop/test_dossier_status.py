"""A dossier's statuses and the steps between them (``onestop.status``)."""

from __future__ import annotations

import pytest

from common.errors import ConflictError
from onestop.errors import DossierStateError, OnestopError
from onestop.status import (
    INITIAL,
    DossierStatus,
    DossierStep,
    allowed_steps,
    is_final,
    next_status,
    parse_status,
)


def test_a_submitted_dossier_is_returned_by_returning_its_result() -> None:
    assert INITIAL is DossierStatus.SUBMITTED
    assert allowed_steps(DossierStatus.SUBMITTED) == {DossierStep.RETURN_RESULT}
    assert next_status(DossierStatus.SUBMITTED, DossierStep.RETURN_RESULT) is DossierStatus.RETURNED


def test_a_returned_dossier_is_final_and_a_second_return_is_a_conflict_with_a_stable_code() -> None:
    assert is_final(DossierStatus.RETURNED) and not is_final(DossierStatus.SUBMITTED)
    assert allowed_steps(DossierStatus.RETURNED) == frozenset()
    with pytest.raises(DossierStateError) as refused:
        next_status(DossierStatus.RETURNED, DossierStep.RETURN_RESULT)
    assert refused.value.code == "dossier_already_returned"
    # one error tree: the workflow's root, and a conflict (HTTP 409 in api/errors.py)
    assert isinstance(refused.value, OnestopError) and isinstance(refused.value, ConflictError)


def test_every_status_is_reachable_from_the_initial_one() -> None:
    reached, frontier = {INITIAL}, [INITIAL]
    while frontier:
        status = frontier.pop()
        for step in allowed_steps(status):
            after = next_status(status, step)
            if after not in reached:
                reached.add(after)
                frontier.append(after)
    assert reached == set(DossierStatus)


def test_statuses_are_the_strings_the_database_and_the_pages_use() -> None:
    assert [s.value for s in DossierStatus] == ["submitted", "returned"]
    assert parse_status("returned") is DossierStatus.RETURNED
    assert "status_" + DossierStatus.SUBMITTED == "status_submitted"  # the pages' i18n keys


def test_an_unknown_stored_status_is_a_named_error_not_a_value_error() -> None:
    with pytest.raises(DossierStateError) as refused:
        parse_status("archived")
    assert refused.value.code == "dossier_status_unknown"
