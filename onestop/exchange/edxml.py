"""edXML packages (QCVN 102:2016/BTTTT): built from a ``Package`` and parsed back into one.

Every package built is checked against kyso's schema before it leaves, and every package
received is parsed safely (``xmltools.parse``: size bound, no DTD or entity, no network) and
checked against it before anything is read from it.
"""

from __future__ import annotations

from datetime import date

from onestop.exchange import xmltools as x
from onestop.exchange.errors import EdxmlInvalidError
from onestop.exchange.model import Attachment, Header, Organ, Package, Trace

#: edXMLManifest's version attribute
MANIFEST_VERSION = "1.0"
#: DocumentType/Type: kyso sends official documents (văn bản hành chính)
TYPE_ADMINISTRATIVE = "1"


def _organ(parent: x.Node, name: str, organ: Organ) -> None:
    node = x.sub(parent, name)
    x.sub(node, "OrganId", organ.organ_id)
    x.sub(node, "OrganName", organ.organ_name)


def _header(parent: x.Node, h: Header) -> None:
    m = x.sub(parent, "MessageHeader")
    _organ(m, "From", h.sender)
    _organ(m, "To", h.receiver)
    x.sub(m, "DocumentId", h.document_id)
    code = x.sub(m, "Code")
    x.sub(code, "CodeNumber", h.code_number)
    x.sub(code, "CodeNotation", h.code_notation)
    info = x.sub(m, "PromulgationInfo")
    x.sub(info, "Place", h.place)
    x.sub(info, "PromulgationDate", h.promulgation_date.isoformat())
    kind = x.sub(m, "DocumentType")
    x.sub(kind, "Type", TYPE_ADMINISTRATIVE)
    x.sub(kind, "TypeName", h.document_type)
    x.sub(m, "Subject", h.subject)
    if h.content:
        x.sub(m, "Content", h.content)
    signer = x.sub(m, "SignerInfo")
    if h.signer_position:
        x.sub(signer, "Position", h.signer_position)
    x.sub(signer, "FullName", h.signer_name or h.sender.organ_name)
    if h.due_date is not None:
        x.sub(m, "DueDate", h.due_date.isoformat())
    x.sub(m, "SteeringType", str(h.steering_type))
    if h.to_places:
        places = x.sub(m, "ToPlaces")
        for place in h.to_places:
            x.sub(places, "Place", place)
    if h.page_amount is not None:
        x.sub(x.sub(m, "OtherInfo"), "PageAmount", str(h.page_amount))


def build_package(package: Package) -> bytes:
    """The package as edXML bytes, valid against kyso's schema."""
    root = x.element("edXML")
    envelope = x.sub(root, "edXMLEnvelope")
    head = x.sub(envelope, "edXMLHeader")
    _header(head, package.header)
    traces = x.sub(head, "TraceHeaderList")
    for trace in package.traces:
        hop = x.sub(traces, "TraceHeader")
        x.sub(hop, "OrganId", trace.organ_id)
        x.sub(hop, "Timestamp", x.when(trace.timestamp))
    if package.attachments:
        manifest = x.sub(x.sub(envelope, "edXMLBody"), "edXMLManifest")
        manifest.set("version", MANIFEST_VERSION)
        encoded = x.sub(root, "AttachmentEncoded")
        for item in package.attachments:
            if len(item.data) > x.MAX_ATTACHMENT_BYTES:
                text = f"{item.name} is over {x.MAX_ATTACHMENT_BYTES} bytes"
                raise EdxmlInvalidError(x.TOO_LARGE, text)
            ref = x.sub(manifest, "Reference")
            x.sub(ref, "ContentId", item.content_id)
            x.sub(ref, "ContentType", item.content_type)
            x.sub(ref, "AttachmentName", item.name)
            att = x.sub(encoded, "Attachment")
            x.sub(att, "ContentId", item.content_id)
            x.sub(att, "AttachmentName", item.name)
            x.sub(att, "ContentType", item.content_type)
            x.sub(att, "ContentTransferEncoded", x.b64(item.data))
    x.check(root)
    return x.serialise(root)


def _read_organ(node: x.Node) -> Organ:
    return Organ(x.text(node, "OrganId"), x.text(node, "OrganName"))


def _optional_date(m: x.Node, path: str) -> date | None:
    value = x.text(m, path, "")
    return x.read_date(value) if value else None


def _read_header(m: x.Node) -> Header:
    pages = x.text(m, "OtherInfo/PageAmount", "")
    places = m.find(x.q("ToPlaces"))
    return Header(
        sender=_read_organ(x.child(m, "From")),
        receiver=_read_organ(x.child(m, "To")),
        document_id=x.text(m, "DocumentId"),
        code_number=x.text(m, "Code/CodeNumber"),
        code_notation=x.text(m, "Code/CodeNotation"),
        place=x.text(m, "PromulgationInfo/Place"),
        promulgation_date=x.read_date(x.text(m, "PromulgationInfo/PromulgationDate")),
        document_type=x.text(m, "DocumentType/TypeName"),
        subject=x.text(m, "Subject"),
        content=x.text(m, "Content", ""),
        signer_name=x.text(m, "SignerInfo/FullName"),
        signer_position=x.text(m, "SignerInfo/Position", ""),
        due_date=_optional_date(m, "DueDate"),
        steering_type=int(x.text(m, "SteeringType")),
        to_places=tuple((p.text or "").strip() for p in places) if places is not None else (),
        page_amount=int(pages) if pages else None,
    )


def _attachments(root: x.Node, envelope: x.Node) -> tuple[Attachment, ...]:
    """The encoded attachments, each named once in the manifest and the other way round."""
    manifest = envelope.find(f"{x.q('edXMLBody')}/{x.q('edXMLManifest')}")
    refs = [] if manifest is None else list(manifest.iter(x.q("Reference")))
    listed = {x.text(r, "ContentId"): r for r in refs}
    encoded = root.find(x.q("AttachmentEncoded"))
    items = [] if encoded is None else list(encoded.iter(x.q("Attachment")))
    found = [x.text(a, "ContentId") for a in items]
    if len(listed) != len(refs) or sorted(found) != sorted(listed):
        raise EdxmlInvalidError(
            "edxml_manifest_mismatch", "the manifest and the attachments do not name the same files"
        )
    out = []
    for item in items:
        ref = listed[x.text(item, "ContentId")]
        if x.text(ref, "AttachmentName") != x.text(item, "AttachmentName"):
            raise EdxmlInvalidError("edxml_manifest_mismatch", "an attachment's name differs")
        out.append(
            Attachment(
                content_id=x.text(item, "ContentId"),
                name=x.text(item, "AttachmentName"),
                content_type=x.text(item, "ContentType"),
                data=x.unb64(x.text(item, "ContentTransferEncoded")),
            )
        )
    return tuple(out)


def parse_package(data: bytes, max_bytes: int) -> Package:
    """A received package, read once it passed ``xmltools.parse``; a status message or a
    package whose manifest and attachments disagree is refused."""
    root = x.parse(data, max_bytes)
    envelope = x.child(root, "edXMLEnvelope")
    head = x.child(envelope, "edXMLHeader")
    message = head.find(x.q("MessageHeader"))
    if message is None:
        raise EdxmlInvalidError("edxml_not_a_package", "a status message, not a package")
    traces = tuple(
        Trace(x.text(t, "OrganId"), x.read_when(x.text(t, "Timestamp")))
        for t in x.child(head, "TraceHeaderList").iter(x.q("TraceHeader"))
    )
    return Package(_read_header(message), traces, _attachments(root, envelope))
