"""Who may see and handle a dossier (``onestop.access``)."""

from __future__ import annotations

import dataclasses

import pytest
from desk_fakes import (
    ADMIN,
    ARCHIVIST,
    CITIZEN,
    OFFICIAL,
    OTHER_CITIZEN,
    OTHER_OFFICIAL,
    Account,
    a_dossier,
)

from onestop.access import list_scope, may_return, may_see, public_view
from onestop.errors import DossierForbiddenError
from onestop.model import Dossier, PublicDossier

AGENCY_SYSTEM = Account("api-key-1", "agency", OFFICIAL.agency)
AUDITOR = Account("auditor1", "auditor")


@pytest.mark.parametrize(
    ("person", "sees", "returns"),
    [
        (CITIZEN, True, False),  # the citizen who submitted it
        (OFFICIAL, True, True),  # an official of its agency
        (ADMIN, True, True),
        (OTHER_CITIZEN, False, False),
        (OTHER_OFFICIAL, False, False),  # another agency's official
        (Account("official9", "official", None), False, False),  # an official of no agency
        (ARCHIVIST, False, False),
        (AUDITOR, False, False),
        (AGENCY_SYSTEM, False, False),  # even one naming the same agency
    ],
)
def test_who_sees_the_whole_dossier_and_who_may_return_it(
    person: Account, sees: bool, returns: bool
) -> None:
    dossier = a_dossier()
    assert may_see(person, dossier) is sees
    assert may_return(person, dossier) is returns


def test_lists_hold_exactly_the_dossiers_their_reader_may_see() -> None:
    dossiers = [
        a_dossier("HS1"),
        a_dossier("HS2", owner="citizen2"),
        a_dossier("HS3", agency=OTHER_OFFICIAL.agency, owner="citizen2"),
    ]
    for person in (CITIZEN, OTHER_CITIZEN, OFFICIAL, OTHER_OFFICIAL, ADMIN):
        scope = list_scope(person)
        assert [d.code for d in dossiers if scope.holds(d)] == [
            d.code for d in dossiers if may_see(person, d)
        ], person
    assert not any(list_scope(Account("official9", "official", None)).holds(d) for d in dossiers)


@pytest.mark.parametrize("person", [ARCHIVIST, AUDITOR, AGENCY_SYSTEM])
def test_roles_without_dossiers_have_no_list(person: Account) -> None:
    with pytest.raises(DossierForbiddenError) as refused:
        list_scope(person)
    assert refused.value.code == "forbidden"


def test_the_public_face_shows_progress_and_no_personal_data() -> None:
    dossier = a_dossier(handled_by="official1", result_document="d7")
    public = public_view(dossier)
    hidden = {f.name for f in dataclasses.fields(Dossier)} - {
        f.name for f in dataclasses.fields(PublicDossier)
    }
    assert hidden == {"owner", "submission_document", "submission_indication", "handled_by"}
    assert (public.code, public.status, public.promised_at, public.result_document) == (
        dossier.code,
        dossier.status,
        dossier.promised_at,
        "d7",
    )
    assert "citizen1" not in repr(public) and "official1" not in repr(public)
