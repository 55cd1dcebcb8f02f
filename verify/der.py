"""Is an encoding DER (ITU-T X.690 clause 10), as RFC 5652 5.4 requires of signed attributes?

The signature value of a SignerInfo is computed over the DER encoding of its signed
attributes. A SignerInfo carrying them in another BER form (a SET OF out of order,
indefinite or non-minimal lengths, constructed strings) is not what was signed, whether or
not the signature value happens to verify over the bytes as they stand: it fails (ETSI
EN 319 122-1 5.1: signed attributes shall be DER encoded). Checked on the bytes as they
appear in the CMS structure, without decoding the values.
"""

from __future__ import annotations

import itertools

#: universal tags that DER encodes in primitive form only (X.690 10.2): BOOLEAN, INTEGER,
#: BIT STRING, OCTET STRING, NULL, OBJECT IDENTIFIER, ENUMERATED and the string and time types
_PRIMITIVE_ONLY = {1, 2, 3, 4, 5, 6, 10, 12, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30}
_MAX_DEPTH = 40


class NotDer(Exception):
    """Where and why an encoding is not DER."""


def _header(data: bytes, at: int) -> tuple[int, bool, int, int, int]:
    """(tag byte, constructed, tag number, content start, content length) at ``at``."""
    if at >= len(data):
        raise NotDer(f"offset {at}: truncated")
    first = data[at]
    number, pos = first & 0x1F, at + 1
    if number == 0x1F:  # high tag number form
        number = 0
        while True:
            if pos >= len(data):
                raise NotDer(f"offset {at}: truncated tag")
            byte = data[pos]
            pos += 1
            number = (number << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
    if pos >= len(data):
        raise NotDer(f"offset {at}: truncated length")
    length_byte = data[pos]
    pos += 1
    if length_byte == 0x80:
        raise NotDer(f"offset {at}: indefinite length")
    if length_byte & 0x80:
        count = length_byte & 0x7F
        raw = data[pos : pos + count]
        if len(raw) != count or count > 4:
            raise NotDer(f"offset {at}: bad length")
        length = int.from_bytes(raw, "big")
        if raw[0] == 0 or length < 0x80:
            raise NotDer(f"offset {at}: length not in its shortest form")
        pos += count
    else:
        length = length_byte
    if pos + length > len(data):
        raise NotDer(f"offset {at}: length beyond the data")
    return first, bool(first & 0x20), number, pos, length


def _check(data: bytes, at: int, depth: int, *, set_of: bool = False) -> int:
    """Check the element at ``at``; return the offset just after it."""
    if depth > _MAX_DEPTH:
        raise NotDer("nested too deeply")
    first, constructed, number, start, length = _header(data, at)
    end = start + length
    universal = first & 0xC0 == 0
    if universal and constructed and number in _PRIMITIVE_ONLY:
        raise NotDer(f"offset {at}: constructed form of a primitive type")
    if universal and number == 1 and (length != 1 or data[start] not in (0x00, 0xFF)):
        raise NotDer(f"offset {at}: BOOLEAN not 00 or FF")
    if universal and number == 2 and length > 1:
        a, b = data[start], data[start + 1] & 0x80
        if (a == 0 and not b) or (a == 0xFF and b):
            raise NotDer(f"offset {at}: INTEGER not in its shortest form")
    if not constructed:
        return end
    children: list[bytes] = []
    pos = start
    while pos < end:
        after = _check(data, pos, depth + 1)
        children.append(data[pos:after])
        pos = after
    if pos != end:
        raise NotDer(f"offset {at}: contents overrun")
    # X.690 11.6: SET OF components in ascending order of their encodings
    if (set_of or (universal and number == 17)) and any(
        a > b for a, b in itertools.pairwise(children)
    ):
        raise NotDer(f"offset {at}: SET OF components out of order")
    return end


def check_der(data: bytes, *, as_set_of: bool = False) -> None:
    """Raise ``NotDer`` unless ``data`` is exactly one DER element. ``as_set_of``: the
    outer element is a SET OF under an implicit tag (SignerInfo's ``[0] signedAttrs``)."""
    if not data:
        raise NotDer("empty")
    _, constructed, _, start, length = _header(data, 0)
    if start + length != len(data):
        raise NotDer("data after the element")
    if as_set_of and not constructed:
        raise NotDer("not a constructed SET OF")
    _check(data, 0, 0, set_of=as_set_of)
