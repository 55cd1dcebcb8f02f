"""edXML status messages (``Status``): what a receiving agency says of a package it got."""

from __future__ import annotations

from onestop.exchange import xmltools as x
from onestop.exchange.errors import EdxmlInvalidError
from onestop.exchange.model import Organ, StatusCode, StatusMessage

#: a status message is small: anything bigger is refused before parsing
MAX_STATUS_BYTES = 64 * 1024


def build_status(status: StatusMessage) -> bytes:
    root = x.element("edXML")
    head = x.sub(x.sub(root, "edXMLEnvelope"), "edXMLHeader")
    s = x.sub(head, "Status")
    response_for = x.sub(s, "ResponseFor")
    x.sub(response_for, "OrganId", status.for_organ)
    x.sub(response_for, "Code", status.for_code)
    x.sub(response_for, "DocumentId", status.for_document_id)
    sender = x.sub(s, "From")
    x.sub(sender, "OrganId", status.sender.organ_id)
    x.sub(sender, "OrganName", status.sender.organ_name)
    x.sub(s, "StatusCode", status.code.value)
    x.sub(s, "Description", status.description)
    x.sub(s, "Timestamp", x.when(status.timestamp))
    if status.department or status.staff:
        staff = x.sub(s, "StaffInfo")
        if status.department:
            x.sub(staff, "Department", status.department)
        if status.staff:
            x.sub(staff, "Staff", status.staff)
    x.check(root)
    return x.serialise(root)


def parse_status(data: bytes) -> StatusMessage:
    root = x.parse(data, MAX_STATUS_BYTES)
    s = x.child(root, "edXMLEnvelope/edXMLHeader").find(x.q("Status"))
    if s is None:
        raise EdxmlInvalidError("edxml_not_a_status", "a package, not a status message")
    return StatusMessage(
        for_organ=x.text(s, "ResponseFor/OrganId"),
        for_document_id=x.text(s, "ResponseFor/DocumentId"),
        for_code=x.text(s, "ResponseFor/Code"),
        sender=Organ(x.text(s, "From/OrganId"), x.text(s, "From/OrganName")),
        code=StatusCode(x.text(s, "StatusCode")),
        description=x.text(s, "Description"),
        timestamp=x.read_when(x.text(s, "Timestamp")),
        department=x.text(s, "StaffInfo/Department", ""),
        staff=x.text(s, "StaffInfo/Staff", ""),
    )
