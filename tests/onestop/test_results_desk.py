"""Results from templates at the desk (``onestop.results.ResultDesk``) with in-memory fakes:
what the page says, which number it takes, and that a failed issuing loses no number."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_fakes import AGENCY, OFFICIAL, OTHER_OFFICIAL, Office

from common.errors import ExternalServiceError
from onestop.errors import OnestopError
from onestop.model import Dossier
from onestop.numbering import RegisterEntry, RegisterKey, Reservation, notation
from onestop.results import ResultDesk
from onestop.status import DossierStatus
from onestop.templates.draft import agency_code, agency_lines, vietnamese_date

FIELDS = {"place": "Hà Nội", "signer_title": "Chủ tịch"}
NAMES = {"citizen1": "Trần Thị Ánh Nguyệt", "official1": "Lê Thị Hằng"}


class MemoryRegister:
    """The register beside ``MemoryDossiers``: issue writes both, or neither."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.rows: dict[tuple[RegisterKey, int], tuple[str, str | None]] = {}

    def reserve(self, key: RegisterKey, dossier_code: str, now: datetime) -> Reservation:
        numbers = sorted(n for k, n in self.rows if k == key)
        free = [n for n in numbers if self.rows[(key, n)][0] == "free"]
        number = free[0] if free else (numbers[-1] + 1 if numbers else 1)
        token = f"t{len(self.rows)}-{number}"
        self.rows[(key, number)] = ("reserved", token)
        return Reservation(key, number, token)

    def release(self, reservation: Reservation) -> None:
        if self.rows.get((reservation.key, reservation.number)) == ("reserved", reservation.token):
            self.rows[(reservation.key, reservation.number)] = ("free", None)

    def issue(
        self, reservation: Reservation, before: Dossier, after: Dossier, now: datetime
    ) -> bool:
        if not self.office.dossiers.replace(before, after):
            return False
        self.rows[(reservation.key, reservation.number)] = ("issued", None)
        return True

    def entries(self, key: RegisterKey) -> list[RegisterEntry]:
        return [
            RegisterEntry(n, state, None, None, None)
            for (k, n), (state, _token) in sorted(self.rows.items(), key=lambda i: i[0][1])
            if k == key
        ]

    def states(self) -> dict[int, str]:
        return {n: state for (_k, n), (state, _t) in self.rows.items()}


class Names:
    def full_name(self, username: str) -> str:
        return NAMES.get(username, username)


def _desk(office: Office) -> tuple[ResultDesk, MemoryRegister]:
    register = MemoryRegister(office)
    return ResultDesk(office.desk, register, Names()), register


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, timeout=30, check=True
    )
    return done.stdout.decode()


def test_dates_numbers_and_notations_follow_decree_30() -> None:
    assert vietnamese_date("Hà Nội", datetime(2026, 12, 2, 20, 0, tzinfo=UTC)) == (
        "Hà Nội, ngày 03 tháng 12 năm 2026"  # 03:00 the next day in Hanoi
    )
    assert vietnamese_date("Huế", datetime(2027, 2, 9, 3, tzinfo=UTC)).endswith(
        "09 tháng 02 năm 2027"
    )
    assert vietnamese_date("Huế", datetime(2027, 3, 9, 3, tzinfo=UTC)).endswith(
        "09 tháng 3 năm 2027"
    )
    assert notation(7, "QĐ", "UBND") == "07/QĐ-UBND"
    assert notation(123, None, "UBND", "VP") == "123/UBND-VP"
    assert notation(None, "GCN", "UBND").endswith("/GCN-UBND")
    assert agency_code(AGENCY) == "UBND" and agency_code("Sở Tư pháp") == "STP"
    assert agency_lines(AGENCY) == ("ỦY BAN NHÂN DÂN", "QUẬN HOÀN KIẾM")


async def test_a_decision_takes_the_next_number_and_the_stamp_goes_in_its_signer_block(
    tmp_path: Path,
) -> None:
    office = Office()
    dossier = await office.submitted()
    desk, register = _desk(office)
    issued = await desk.issue(dossier.code, OFFICIAL, "decision", FIELDS)
    assert (issued.number, issued.notation) == (1, "01/QĐ-UBND")
    assert issued.dossier.status.value == "returned" and register.states() == {1: "issued"}
    call = office.result_signer.calls[0]
    box = call["stamp_box"]
    assert isinstance(box, tuple) and box[3] - box[1] == 130 and box[1] > 100  # not the default
    stored, _code, meta, _actor = office.archive.documents[issued.dossier.result_document or ""]
    assert meta.title == "Quyết định số 01/QĐ-UBND: Cấp giấy phép xây dựng"
    assert (meta.document_type, meta.number_notation, meta.page_count) == (
        "Quyết định",
        "01/QĐ-UBND",
        1,
    )
    assert (meta.issuing_body, meta.access_level) == (AGENCY, "public")
    assert meta.issue_date is not None and meta.issue_date.isoformat() == "2026-11-20"
    prefix = b"sealed:seal-1+signed:off-1:"
    text = _text(stored.removeprefix(prefix), tmp_path)
    assert "Số: 01/QĐ-UBND" in text and "Trần Thị Ánh Nguyệt" in text and "Lê Thị Hằng" in text
    assert "Điều 1." in text and "ngày 20 tháng 11 năm 2026" in text
    assert office.audit.entries[-1][3]["notation"] == "01/QĐ-UBND"


async def test_a_failed_signature_gives_the_number_back_to_the_next_result() -> None:
    office = Office()
    first = await office.submitted()
    second = await office.submitted("Cấp giấy xác nhận cư trú")
    desk, register = _desk(office)
    office.result_signer.fail = True
    with pytest.raises(ExternalServiceError):  # the signer's own error, as it was
        await desk.issue(first.code, OFFICIAL, "certificate", FIELDS)
    assert register.states() == {1: "free"} and office.archive.documents.keys() == {"d1", "d2"}
    office.result_signer.fail = False
    issued = await desk.issue(second.code, OFFICIAL, "certificate", FIELDS)
    assert issued.notation == "01/GCN-UBND" and register.states() == {1: "issued"}


async def test_an_official_losing_the_race_gives_the_number_back() -> None:
    office = Office()
    dossier = await office.submitted()
    desk, register = _desk(office)
    office.dossiers.meanwhile = dataclasses.replace(dossier, status=DossierStatus.RETURNED)
    with pytest.raises(OnestopError) as lost:
        await desk.issue(dossier.code, OFFICIAL, "letter", FIELDS)
    assert lost.value.code == "dossier_already_returned"
    assert register.states() == {1: "free"}


async def test_a_bad_field_or_a_refused_official_takes_no_number() -> None:
    office = Office()
    dossier = await office.submitted()
    desk, register = _desk(office)
    for template, fields, code in [
        ("decree", FIELDS, "template_unknown"),
        ("decision", {**FIELDS, "cccd": "001203004567"}, "template_field_unknown"),
        ("decision", {"place": "Hà Nội"}, "template_field_missing"),
        ("letter", {**FIELDS, "body": "x" * 7000}, "template_field_too_long"),
        ("letter", {**FIELDS, "body": "a\x00b"}, "template_field_invalid"),
    ]:
        with pytest.raises(OnestopError) as refused:
            await desk.issue(dossier.code, OFFICIAL, template, fields)
        assert refused.value.code == code
    with pytest.raises(OnestopError) as other:
        await desk.issue(dossier.code, OTHER_OFFICIAL, "decision", FIELDS)
    assert other.value.code == "dossier_unknown"
    assert register.rows == {} and office.result_signer.calls == []


async def test_a_preview_takes_no_number_and_says_it_is_a_draft(tmp_path: Path) -> None:
    office = Office()
    dossier = await office.submitted()
    desk, register = _desk(office)
    rendered = await desk.preview(dossier.code, OFFICIAL, "confirmation", FIELDS)
    text = _text(rendered.pdf, tmp_path)
    assert "GIẤY XÁC NHẬN" in text and "CHƯA CẤP SỐ" in text and "/GXN-UBND" in text
    assert register.rows == {} and office.result_signer.calls == []
    assert office.dossiers.rows[dossier.code].status.value == "submitted"


async def test_a_long_decision_takes_the_signer_block_to_its_last_page(tmp_path: Path) -> None:
    office = Office()
    dossier = await office.submitted()
    desk, _register = _desk(office)
    articles = "\n".join(
        f"Nội dung điều thứ {n} của quyết định, đủ dài để xuống dòng. " * 3 for n in range(14)
    )
    rendered = await desk.preview(
        dossier.code, OFFICIAL, "decision", {**FIELDS, "articles": articles}
    )
    assert rendered.pages == 2
    x1, y1, x2, y2 = rendered.stamp_box
    assert 0 < x1 < x2 <= 595.28 and 57 <= y1 < y2 <= 841.89 - 57
    last_page = _text(rendered.pdf, tmp_path).split("\f")[1]
    assert "Điều 14." in last_page and "CHỦ TỊCH" in last_page and "Lê Thị Hằng" in last_page
