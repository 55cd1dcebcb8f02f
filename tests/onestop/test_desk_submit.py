"""Submitting a dossier and reading it back (``onestop.desk.Desk``, in-memory fakes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from desk_fakes import (
    ADMIN,
    AGENCY,
    ARCHIVIST,
    CITIZEN,
    OFFICIAL,
    OTHER_CITIZEN,
    OTHER_OFFICIAL,
    Office,
)

from common.errors import AuthenticationError, ExternalServiceError, NotFoundError
from onestop.codes import is_dossier_code
from onestop.errors import DossierForbiddenError, DossierNotFoundError
from onestop.status import DossierStatus


async def test_a_submission_is_signed_then_archived_then_recorded_then_audited() -> None:
    office = Office()
    dossier = await office.desk.submit(
        CITIZEN, "Cấp giấy phép xây dựng", AGENCY, b"%PDF-don", "cred-1", "123456", "654321"
    )
    assert is_dossier_code(dossier.code) and dossier.status is DossierStatus.SUBMITTED
    assert office.citizen_signer.calls == [(b"%PDF-don", "cred-1", "Cấp giấy phép xây dựng")]
    [(document_id, (stored, code, meta, actor))] = office.archive.documents.items()
    assert stored == b"signed-by-citizen:%PDF-don"  # the signed bytes are what is archived
    assert (code, actor, meta.access_level) == (dossier.code, "citizen1", "restricted")
    assert meta.title == "Hồ sơ: Cấp giấy phép xây dựng"
    assert dossier.submission_document == document_id
    assert dossier.submission_indication == "TOTAL_PASSED"
    assert office.dossiers.get(dossier.code) == dossier
    assert office.audit.entries == [
        ("citizen1", "dossier.submitted", dossier.code, {"service": "Cấp giấy phép xây dựng"})
    ]
    assert office.notifier.sent == []


async def test_the_promise_is_five_working_days_at_17_00_in_hanoi() -> None:
    office = Office()  # Friday 20 November 2026, 10:00 in Hanoi
    dossier = await office.submitted()
    assert dossier.submitted_at == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert dossier.promised_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 17:00+07:00


async def test_what_the_archive_found_of_the_signature_is_on_the_receipt() -> None:
    office = Office()
    office.archive.indication = "INDETERMINATE"
    assert (await office.submitted()).submission_indication == "INDETERMINATE"


async def test_another_citizens_credential_signs_nothing() -> None:
    office = Office()
    office.citizen_signer.credentials["citizen2"] = ["cred-2"]
    with pytest.raises(DossierNotFoundError) as refused:
        await office.desk.submit(CITIZEN, "s", AGENCY, b"%PDF", "cred-2", "123456", "654321")
    assert refused.value.code == "credential_unknown"
    assert office.citizen_signer.calls == []
    assert (office.archive.documents, office.dossiers.rows, office.audit.entries) == ({}, {}, [])


async def test_a_refused_approval_files_nothing_records_nothing_audits_nothing() -> None:
    office = Office()
    office.citizen_signer.refuse = True
    with pytest.raises(AuthenticationError):
        await office.submitted()
    assert (office.archive.documents, office.dossiers.rows, office.audit.entries) == ({}, {}, [])


async def test_an_archive_that_fails_leaves_no_dossier_and_no_audit_entry() -> None:
    office = Office()
    office.archive.fail = True
    with pytest.raises(ExternalServiceError):
        await office.submitted()
    assert (office.dossiers.rows, office.audit.entries) == ({}, [])


async def test_the_dossier_is_unknown_to_whoever_may_not_see_it() -> None:
    office = Office()
    dossier = await office.submitted()
    for person in (CITIZEN, OFFICIAL, ADMIN):
        assert office.desk.get(dossier.code, person) == dossier
    for person in (OTHER_CITIZEN, OTHER_OFFICIAL, ARCHIVIST):
        with pytest.raises(DossierNotFoundError) as refused:
            office.desk.get(dossier.code, person)
        assert refused.value.code == "dossier_unknown"  # as for a code that does not exist
    with pytest.raises(NotFoundError):
        office.desk.get("HSNOSUCHCODE", ADMIN)


async def test_anyone_with_the_code_sees_its_public_face() -> None:
    office = Office()
    dossier = await office.submitted()
    public = office.desk.public(dossier.code)
    assert (public.code, public.status, public.agency) == (dossier.code, "submitted", AGENCY)
    assert not hasattr(public, "owner")
    with pytest.raises(DossierNotFoundError):
        office.desk.public("HSNOSUCHCODE")


async def test_lists_newest_first_each_reader_their_own() -> None:
    office = Office()
    first = await office.submitted("Thủ tục A")
    second = await office.submitted("Thủ tục B")
    office.citizen_signer.credentials["citizen2"] = ["cred-2"]
    third = await office.desk.submit(
        OTHER_CITIZEN, "Thủ tục C", "UBND Quận Ba Đình", b"%PDF", "cred-2", "1", "2"
    )
    codes = [d.code for d in office.desk.list_for(CITIZEN)]
    assert codes == [second.code, first.code]
    assert [d.code for d in office.desk.list_for(OFFICIAL)] == [second.code, first.code]
    assert [d.code for d in office.desk.list_for(OTHER_OFFICIAL)] == [third.code]
    assert {d.code for d in office.desk.list_for(ADMIN)} == {first.code, second.code, third.code}
    with pytest.raises(DossierForbiddenError):
        office.desk.list_for(ARCHIVIST)
