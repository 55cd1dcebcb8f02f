"""Reading untrusted edXML safely and checking it against kyso's schema.

A package comes from another agency over the network: it is refused before parsing when it is
larger than the limit; lxml then parses it with no network, no DTD loaded, no entity resolved
and no huge-tree mode (so no XXE, no billion laughs, no deep-nesting blow-up), and a document
that carries a DOCTYPE at all is refused. Only then is it validated against the XSD.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Protocol, cast

from lxml import etree

from onestop.exchange.errors import EdxmlInvalidError

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
SCHEMA = Path(__file__).parent / "schemas" / "kyso-edxml.xsd"
#: libxml2 without its huge-tree mode takes no text node over 10 000 000 bytes, so one
#: attachment (base64: 4 bytes for 3) is at most 7 MiB; bigger ones are refused when built
#: and when received, with this code
MAX_ATTACHMENT_BYTES = 7 * 1024 * 1024
TOO_LARGE = "edxml_attachment_too_large"


class Node(Protocol):
    """What kyso uses of an lxml element (lxml ships no types)."""

    text: str | None

    def find(self, path: str) -> Node | None: ...

    def iter(self, tag: str) -> Iterator[Node]: ...

    def set(self, key: str, value: str) -> None: ...

    def __iter__(self) -> Iterator[Node]: ...


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        collect_ids=False,
    )


@cache
def schema() -> etree.XMLSchema:
    """kyso's edXML schema, parsed once per process."""
    return etree.XMLSchema(etree.parse(str(SCHEMA), _parser()))


def parse(data: bytes, max_bytes: int) -> Node:
    """The root of ``data`` once it is small enough, well-formed, DTD-free and schema-valid."""
    if len(data) > max_bytes:
        raise EdxmlInvalidError("edxml_too_large", f"the package is over {max_bytes} bytes")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if "Text node too long" in str(exc):
            text = f"an attachment is over {MAX_ATTACHMENT_BYTES} bytes"
            raise EdxmlInvalidError(TOO_LARGE, text) from None
        raise EdxmlInvalidError("edxml_invalid", f"not well-formed XML: {exc}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise EdxmlInvalidError("edxml_dtd_refused", "a DOCTYPE (DTD, entities) is not accepted")
    check(root)
    return cast(Node, root)


def check(root: Node) -> None:
    """Validate against kyso's schema; the first error says where."""
    validator = schema()
    if not validator.validate(root):
        error = validator.error_log.last_error
        where = f"line {error.line}: " if error is not None else ""
        text = error.message if error is not None else "invalid"
        raise EdxmlInvalidError("edxml_schema_invalid", f"{where}{text}")


def serialise(root: Node) -> bytes:
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out


def sub(parent: Node, name: str, text: str | None = None) -> Node:
    node = cast(Node, etree.SubElement(parent, q(name)))
    if text is not None:
        node.text = text
    return node


def element(name: str) -> Node:
    return cast(Node, etree.Element(q(name), nsmap={None: NS}))


def child(parent: Node, path: str) -> Node:
    """The element at ``path`` (names separated by ``/``); the schema guarantees it."""
    found = parent.find("/".join(q(n) for n in path.split("/")))
    if found is None:
        raise EdxmlInvalidError("edxml_schema_invalid", f"missing {path}")
    return found


def text(parent: Node, path: str, default: str | None = None) -> str:
    found = parent.find("/".join(q(n) for n in path.split("/")))
    if found is None:
        if default is None:
            raise EdxmlInvalidError("edxml_schema_invalid", f"missing {path}")
        return default
    return (found.text or "").strip()


def when(value: datetime) -> str:
    """ISO 8601 in UTC, seconds (the schema's xs:dateTime)."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def read_when(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise EdxmlInvalidError("edxml_schema_invalid", f"a time without offset: {value}")
    return moment.astimezone(UTC)


def read_date(value: str) -> date:
    return date.fromisoformat(value[:10])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: str) -> bytes:
    """Strict base64; line breaks (which other senders put) are taken out only when present:
    removing them from megabytes of text costs more than decoding it."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise EdxmlInvalidError("edxml_schema_invalid", "an attachment is not base64") from None
