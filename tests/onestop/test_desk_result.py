"""Returning a result: seal + signature, archive, status, audit, notification, in that order,
each failure leaving the dossier as it was (``onestop.desk.Desk.issue_result``)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from desk_fakes import (
    ADMIN,
    AGENCY,
    CITIZEN,
    OFFICIAL,
    OTHER_OFFICIAL,
    PUBLIC_URL,
    Office,
    Seal,
)

from common.errors import ConflictError, ExternalServiceError
from onestop.desk import current_seal
from onestop.errors import DossierForbiddenError, DossierNotFoundError, DossierStateError
from onestop.model import Dossier
from onestop.status import DossierStatus

RESULT = b"%PDF-giay-phep"


def _unchanged(office: Office, dossier: Dossier, archived: int = 1) -> None:
    """Nothing of a refused or failed return is left behind."""
    assert office.dossiers.get(dossier.code) == dossier
    assert len(office.archive.documents) == archived  # the submission (and what was filed)
    assert [e[1] for e in office.audit.entries] == ["dossier.submitted"]
    assert office.notifier.sent == []


async def test_the_seal_certifies_the_official_signs_the_archive_keeps_the_citizen_hears() -> None:
    office = Office()
    dossier = await office.submitted()
    returned = await office.desk.issue_result(dossier.code, OFFICIAL, RESULT)

    assert office.result_signer.calls == [
        {
            "seal": "seal-1",
            "official": "off-1",
            "track_url": f"{PUBLIC_URL}v/{dossier.code}",
            "stamp_box": None,  # an uploaded result: the default box
        }
    ]
    stored, code, meta, actor = office.archive.documents[returned.result_document or ""]
    assert stored == b"sealed:seal-1+signed:off-1:" + RESULT
    assert (code, actor, meta.access_level) == (dossier.code, "official1", "public")
    assert (meta.title, meta.issuing_body) == ("Kết quả: Cấp giấy phép xây dựng", AGENCY)
    assert returned.status is DossierStatus.RETURNED
    assert (returned.returned_at, returned.handled_by) == (office.clock.now(), "official1")
    assert office.dossiers.get(dossier.code) == returned
    assert office.audit.entries[-1] == (
        "official1",
        "dossier.returned",
        dossier.code,
        {"document": returned.result_document},
    )
    assert office.notifier.sent == [("citizen1", dossier.code, "Cấp giấy phép xây dựng")]
    assert office.desk.result_pdf(dossier.code, CITIZEN) == stored


async def test_no_result_pdf_before_the_return() -> None:
    office = Office()
    dossier = await office.submitted()
    assert office.desk.result_pdf(dossier.code, CITIZEN) is None


async def test_a_second_return_is_refused_and_signs_nothing() -> None:
    office = Office()
    dossier = await office.submitted()
    returned = await office.desk.issue_result(dossier.code, OFFICIAL, RESULT)
    with pytest.raises(DossierStateError) as refused:
        await office.desk.issue_result(dossier.code, OFFICIAL, b"%PDF-again")
    assert refused.value.code == "dossier_already_returned"
    assert len(office.result_signer.calls) == 1
    assert office.dossiers.get(dossier.code) == returned and len(office.notifier.sent) == 1


async def test_two_officials_returning_at_once_one_wins_the_other_is_told_it_was_returned() -> None:
    office = Office()
    dossier = await office.submitted()
    theirs = dataclasses.replace(
        dossier, status=DossierStatus.RETURNED, result_document="d-theirs", handled_by="official3"
    )
    office.dossiers.meanwhile = theirs  # returned between this return's read and its write
    with pytest.raises(DossierStateError) as refused:
        await office.desk.issue_result(dossier.code, OFFICIAL, RESULT)
    assert refused.value.code == "dossier_already_returned"
    assert office.dossiers.get(dossier.code) == theirs
    assert [e[1] for e in office.audit.entries] == ["dossier.submitted"]
    assert office.notifier.sent == []


async def test_another_agencys_official_cannot_see_it_and_its_citizen_cannot_return_it() -> None:
    office = Office()
    dossier = await office.submitted()
    with pytest.raises(DossierNotFoundError):
        await office.desk.issue_result(dossier.code, OTHER_OFFICIAL, RESULT)
    with pytest.raises(DossierForbiddenError):
        await office.desk.issue_result(dossier.code, CITIZEN, RESULT)
    assert office.result_signer.calls == []
    _unchanged(office, dossier)


async def test_an_official_without_a_certificate_or_an_agency_without_a_seal_signs_nothing() -> (
    None
):
    office = Office()
    dossier = await office.submitted()
    with pytest.raises(ConflictError) as refused:
        await office.desk.issue_result(dossier.code, ADMIN, RESULT)  # no certificate on file
    assert refused.value.code == "official_without_certificate"
    office.result_signer.seals = []
    with pytest.raises(ConflictError) as refused:
        await office.desk.issue_result(dossier.code, OFFICIAL, RESULT)
    assert refused.value.code == "seal_missing"
    assert office.result_signer.calls == []
    _unchanged(office, dossier)


async def test_a_failed_signature_archives_nothing_and_changes_nothing() -> None:
    office = Office()
    dossier = await office.submitted()
    office.result_signer.fail = True
    with pytest.raises(ExternalServiceError):
        await office.desk.issue_result(dossier.code, OFFICIAL, RESULT)
    _unchanged(office, dossier)


async def test_a_failed_archive_write_leaves_the_dossier_submitted_and_tells_no_one() -> None:
    office = Office()
    dossier = await office.submitted()
    office.archive.fail = True
    with pytest.raises(ExternalServiceError):
        await office.desk.issue_result(dossier.code, OFFICIAL, RESULT)
    _unchanged(office, dossier)
    office.archive.fail = False  # and it can be returned once the archive is back
    assert (await office.desk.issue_result(dossier.code, OFFICIAL, RESULT)).status == "returned"


async def test_an_admin_with_a_certificate_may_return_any_agencys_dossier() -> None:
    office = Office()
    dossier = await office.submitted()
    office.result_signer.officials["admin1"] = "adm-1"
    returned = await office.desk.issue_result(dossier.code, ADMIN, RESULT)
    assert returned.handled_by == "admin1"
    assert office.result_signer.calls[0]["official"] == "adm-1"


def test_the_seal_is_the_newest_good_unexpired_one_of_the_dossiers_agency() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    later, earlier = now + timedelta(days=1), now - timedelta(days=1)
    seals = [
        Seal("old", AGENCY, "good", later),
        Seal("newest", AGENCY, "good", later),
        Seal("revoked", AGENCY, "revoked", later),
        Seal("expired", AGENCY, "good", earlier),
        Seal("elsewhere", "UBND Quận Ba Đình", "good", later),
    ]
    assert current_seal(seals, AGENCY, now) == "newest"
    assert current_seal(seals[2:4], AGENCY, now) is None
    assert current_seal(seals, "UBND Quận Ba Đình", now) == "elsewhere"
    assert current_seal([Seal("orphan", None, "good", later)], AGENCY, now) is None
