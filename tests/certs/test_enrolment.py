from __future__ import annotations

import pytest

from certs.enrolment import EnrolmentDesk
from certs.errors import PkiConflictError, PkiInputError, PkiNotFoundError
from certs.pki import Pki
from certs.revocation import Revocation


def test_request_approval_issues_a_certificate_with_a_key_in_the_key_store(pki: Pki) -> None:
    desk = EnrolmentDesk(pki)
    request = desk.request("Nguyễn Thị Hoa", "001203004567", "0912 345 678")
    assert request.status == "pending" and request.cccd_masked == "001******567"
    enrolment, issued = desk.approve(request.id, officer="can-bo-mot-cua-01")
    assert enrolment.status == "issued" and enrolment.serial == issued.serial
    assert issued.key_label is not None and pki.keystore.exists(issued.key_label)
    record = pki.get(issued.serial)
    assert record.profile == "citizen" and record.common_name == "Nguyễn Thị Hoa"
    assert [e.id for e in desk.list("issued")] == [request.id]


def test_duplicate_pending_request_and_second_decision_are_refused(sqlite_pki: Pki) -> None:
    desk = EnrolmentDesk(sqlite_pki)
    request = desk.request("Nguyễn Thị Hoa", "001203004567")
    with pytest.raises(PkiConflictError) as err:
        desk.request("Nguyễn Thị Hoa", "001203004567")
    assert err.value.code == "enrolment_duplicate"
    desk.reject(request.id, "can-bo-01", "ảnh CCCD không rõ")
    with pytest.raises(PkiConflictError) as decided:
        desk.approve(request.id, "can-bo-02")
    assert decided.value.code == "enrolment_decided"
    assert sqlite_pki.certificates("citizen") == []


def test_request_for_a_cccd_with_an_active_certificate_is_refused(sqlite_pki: Pki) -> None:
    desk = EnrolmentDesk(sqlite_pki)
    _enrolment, issued = desk.approve(desk.request("Trần Văn Đức", "079090001234").id, "cb")
    with pytest.raises(PkiConflictError) as err:
        desk.request("Trần Văn Đức", "079090001234")
    assert err.value.code == "certificate_active_exists"
    Revocation(sqlite_pki).revoke(issued.serial, "superseded")
    assert desk.request("Trần Văn Đức", "079090001234").status == "pending"


@pytest.mark.parametrize(
    ("name", "cccd", "phone", "code"),
    [
        ("Nguyễn Thị Hoa", "0012030045", None, "cccd_invalid"),
        ("Nguyễn Thị Hoa", "001203004567", "12345", "phone_invalid"),
        ("   ", "001203004567", None, "name_invalid"),
    ],
)
def test_bad_enrolment_input_gets_a_clear_code(
    sqlite_pki: Pki, name: str, cccd: str, phone: str | None, code: str
) -> None:
    with pytest.raises(PkiInputError) as err:
        EnrolmentDesk(sqlite_pki).request(name, cccd, phone)
    assert err.value.code == code


def test_unknown_enrolment_is_not_found(sqlite_pki: Pki) -> None:
    with pytest.raises(PkiNotFoundError):
        EnrolmentDesk(sqlite_pki).approve("enr_nope", "cb")
