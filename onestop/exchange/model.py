"""What an edXML package and a status message hold, as frozen records, and the status codes.

Element names follow QCVN 102:2016/BTTTT (edXML) as the national exchange axis uses them:
``MessageHeader`` (From, To, DocumentId, Code, PromulgationInfo, DocumentType, Subject,
Content, SignerInfo, DueDate, SteeringType, ToPlaces, OtherInfo), ``TraceHeaderList`` and the
attachments (ContentId, AttachmentName, ContentType, base64 content); a status message
(``Status``: ResponseFor, From, StatusCode, Description, Timestamp, StaffInfo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from onestop.exchange.errors import ExchangeStateError


class StatusCode(StrEnum):
    """Status codes of a received document (QCVN 102:2016, status message ``StatusCode``)."""

    RECEIVED = "01"  # đã đến: the package arrived
    REFUSED = "02"  # từ chối: refused (the reason in Description)
    ACCEPTED = "03"  # đã tiếp nhận: registered by the receiving agency
    ASSIGNED = "04"  # phân công: assigned to someone to handle
    PROCESSING = "05"  # đang xử lý
    DONE = "06"  # hoàn thành


LABELS = {
    StatusCode.RECEIVED: "Đã đến",
    StatusCode.REFUSED: "Từ chối",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.DONE: "Hoàn thành",
}

#: which status may follow which (a trail only moves forward; 02 and 06 end it)
_NEXT: dict[StatusCode | None, frozenset[StatusCode]] = {
    None: frozenset({StatusCode.RECEIVED}),
    StatusCode.RECEIVED: frozenset({StatusCode.REFUSED, StatusCode.ACCEPTED}),
    StatusCode.ACCEPTED: frozenset({StatusCode.ASSIGNED, StatusCode.PROCESSING, StatusCode.DONE}),
    StatusCode.ASSIGNED: frozenset({StatusCode.PROCESSING, StatusCode.DONE}),
    StatusCode.PROCESSING: frozenset({StatusCode.DONE}),
    StatusCode.REFUSED: frozenset(),
    StatusCode.DONE: frozenset(),
}


def check_next(current: StatusCode | None, new: StatusCode) -> None:
    """Refuse a status the trail does not allow after ``current`` (the latest one)."""
    if new not in _NEXT[current]:
        after = f"after {current.value}" if current else "first"
        raise ExchangeStateError(
            "exchange_status_illegal", f"status {new.value} is not allowed {after}"
        )


@dataclass(frozen=True)
class Organ:
    """An agency: its code on the exchange axis (OrganId) and its name."""

    organ_id: str
    organ_name: str


@dataclass(frozen=True)
class Attachment:
    content_id: str
    name: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Trace:
    """One hop of ``TraceHeaderList``: which agency handled the package, when."""

    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Header:
    """``MessageHeader``: what the document is (Decree 30/2020 fields of an official document)."""

    sender: Organ
    receiver: Organ
    #: the message's id (DocumentId): unique per sender; duplicates are refused by it
    document_id: str
    code_number: str
    code_notation: str
    place: str
    promulgation_date: date
    document_type: str
    subject: str
    content: str = ""
    signer_name: str = ""
    signer_position: str = ""
    due_date: date | None = None
    #: 0 none, 1 steering (chỉ đạo), 2 reply to a steering document
    steering_type: int = 0
    to_places: tuple[str, ...] = ()
    page_amount: int | None = None


@dataclass(frozen=True)
class Package:
    header: Header
    traces: tuple[Trace, ...]
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class StatusMessage:
    """``Status``: what the receiver says of a document it got (ResponseFor names it)."""

    #: the original sender (OrganId of ResponseFor) and the document's id and code
    for_organ: str
    for_document_id: str
    for_code: str
    sender: Organ
    code: StatusCode
    description: str
    timestamp: datetime
    department: str = ""
    staff: str = ""
