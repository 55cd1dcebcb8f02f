"""edXML packages and status messages: what kyso builds validates against its schema and reads
back the same; what it refuses to parse (DTDs and entities, oversize, invalid structure,
a manifest that disagrees with the attachments); the order of statuses; the request MAC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from onestop.exchange import auth
from onestop.exchange.edxml import build_package, parse_package
from onestop.exchange.errors import (
    EdxmlInvalidError,
    ExchangeAuthError,
    ExchangeStateError,
)
from onestop.exchange.model import (
    Attachment,
    Header,
    Organ,
    Package,
    StatusCode,
    StatusMessage,
    Trace,
    check_next,
)
from onestop.exchange.status import build_status, parse_status
from onestop.exchange.xmltools import SCHEMA

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
LIMIT = 1024 * 1024


def _package(**changes: object) -> Package:
    fields: dict[str, object] = {
        "sender": Organ("000.00.00.H01", "UBND Quận Hoàn Kiếm"),
        "receiver": Organ("000.00.00.H02", "Sở Xây dựng Hà Nội"),
        "document_id": "m-001", "code_number": "123", "code_notation": "QĐ-UBND",
        "place": "Hà Nội", "promulgation_date": date(2026, 11, 23),
        "document_type": "Quyết định", "subject": "Về việc cấp giấy phép xây dựng nhà ở",
        "content": "Cấp phép cho ông Nguyễn Văn Ấn", "signer_name": "Lê Thị Hằng",
        "signer_position": "Phó Chủ tịch", "due_date": date(2026, 12, 1), "steering_type": 1,
        "to_places": ("Như trên", "Lưu: VT"), "page_amount": 2, **changes,
    }  # fmt: skip
    header = Header(**fields)  # type: ignore[arg-type]
    attachment = Attachment("cid:1", "quyet-dinh.pdf", "application/pdf", b"%PDF-1.7\n...")
    return Package(header, (Trace("000.00.00.H01", AT),), (attachment,))


def test_a_built_package_validates_against_the_schema_and_reads_back_the_same() -> None:
    package = _package()
    data = build_package(package)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(etree.fromstring(data)), schema.error_log
    assert b"http://www.mic.gov.vn/TBT/QCVN_102_2016" in data
    assert parse_package(data, LIMIT) == package


def test_base64_wrapped_in_lines_by_another_sender_reads_the_same() -> None:
    package = _package()
    data = build_package(package)
    at = data.index(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>") + 8
    wrapped = data[:at] + b"\r\n  " + data[at:]
    assert parse_package(wrapped, LIMIT) == package
    broken = data[:at] + b"*" + data[at:]
    with pytest.raises(EdxmlInvalidError):
        parse_package(broken, LIMIT)


def test_a_status_message_reads_back_the_same() -> None:
    status = StatusMessage("000.00.00.H01", "m-001", "123/QĐ-UBND",
                           Organ("000.00.00.H02", "Sở Xây dựng"), StatusCode.REFUSED,
                           "Từ chối: chữ ký không hợp lệ", AT, "Văn thư", "Trần Bình")  # fmt: skip
    assert parse_status(build_status(status)) == status
    with pytest.raises(EdxmlInvalidError) as refused:
        parse_package(build_status(status), LIMIT)
    assert refused.value.code == "edxml_not_a_package"


def test_an_external_entity_or_any_dtd_is_refused_before_reading() -> None:
    data = build_package(_package())
    xxe = data.replace(
        b"<edXML ",
        b'<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<edXML ',
        1,
    ).replace(b"<Subject>", b"<Subject>&x;", 1)
    with pytest.raises(EdxmlInvalidError) as refused:
        parse_package(xxe, LIMIT)
    assert refused.value.code == "edxml_dtd_refused"
    laughs = data.replace(
        b"<edXML ",
        b'<!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n<edXML ',
        1,
    )
    with pytest.raises(EdxmlInvalidError):
        parse_package(laughs, LIMIT)


def test_an_oversize_malformed_or_invalid_package_is_refused_with_its_code() -> None:
    data = build_package(_package())
    with pytest.raises(EdxmlInvalidError) as big:
        parse_package(data, len(data) - 1)
    assert big.value.code == "edxml_too_large"
    with pytest.raises(EdxmlInvalidError) as broken:
        parse_package(data[:-20], LIMIT)
    assert broken.value.code == "edxml_invalid"
    no_subject = data.replace(b"<Subject>", b"<Topic>").replace(b"</Subject>", b"</Topic>")
    with pytest.raises(EdxmlInvalidError) as invalid:
        parse_package(no_subject, LIMIT)
    assert invalid.value.code == "edxml_schema_invalid"
    with pytest.raises(EdxmlInvalidError):
        build_package(_package(steering_type=7))  # nothing invalid leaves kyso either


def test_an_attachment_over_the_parsers_text_limit_is_refused_with_its_code() -> None:
    """libxml2 without huge-tree mode stops at 10 MB of text: a clear code, both ways."""
    big = Attachment("cid:1", "lon.pdf", "application/pdf", b"%PDF-" + b"\0" * (8 << 20))
    with pytest.raises(EdxmlInvalidError) as built:
        build_package(Package(_package().header, (), (big,)))
    assert built.value.code == "edxml_attachment_too_large"
    data = build_package(_package())
    at = data.index(b"</ContentTransferEncoded>")
    huge = data[:at] + b"A" * 10_000_000 + data[at:]
    with pytest.raises(EdxmlInvalidError) as received:
        parse_package(huge, 20 << 20)
    assert received.value.code == "edxml_attachment_too_large"


def test_an_attachment_the_manifest_does_not_name_is_refused() -> None:
    data = build_package(_package())
    other = data.replace(b"<Reference><ContentId>cid:1</ContentId>",
                         b"<Reference><ContentId>cid:2</ContentId>")  # fmt: skip
    assert other != data
    with pytest.raises(EdxmlInvalidError) as refused:
        parse_package(other, LIMIT)
    assert refused.value.code == "edxml_manifest_mismatch"


def test_statuses_only_move_forward() -> None:
    check_next(None, StatusCode.RECEIVED)
    check_next(StatusCode.RECEIVED, StatusCode.ACCEPTED)
    check_next(StatusCode.ACCEPTED, StatusCode.DONE)
    for current, new in ((None, StatusCode.ACCEPTED), (StatusCode.REFUSED, StatusCode.ACCEPTED),
                         (StatusCode.DONE, StatusCode.PROCESSING),
                         (StatusCode.PROCESSING, StatusCode.ASSIGNED)):  # fmt: skip
        with pytest.raises(ExchangeStateError):
            check_next(current, new)


def test_the_mac_covers_body_parties_and_date() -> None:
    secret = b"s" * 32
    creds = auth.Credentials("A1", "B1", AT, "/api/v1/exchange/inbox")
    headers = auth.sign(secret, creds, b"body")
    read, mac = auth.read_credentials({k.lower(): v for k, v in headers.items()}, creds.path)
    assert read == creds
    auth.check(secret, read, b"body", mac, AT + timedelta(minutes=1), "B1")
    cases = [
        (b"bodY", AT, "B1", "exchange_bad_mac"),
        (b"body", AT + timedelta(minutes=6), "B1", "exchange_stale_request"),
        (b"body", AT, "C1", "exchange_wrong_receiver"),
    ]
    for body, now, own, code in cases:
        with pytest.raises(ExchangeAuthError) as refused:
            auth.check(secret, read, body, mac, now, own)
        assert refused.value.code == code
    with pytest.raises(ExchangeAuthError):
        auth.check(b"t" * 32, read, b"body", mac, AT, "B1")
