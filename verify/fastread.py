"""Three pure functions of pyHanko and asn1crypto that a verification calls thousands of times,
made fast where their answer cannot differ (measured: about a third of a one-signature
verification, docs/performance.md).

- A PDF hex string (a signature's ``/Contents``: 16,000 hex digits or more) is read by
  pyHanko one byte at a time through two Python calls per byte. ``read_hex_string`` reads up
  to the closing ``>`` at once when everything before it is hex digits and PDF white space,
  and gives the same string at the same stream position; anything else (a comment, a stray
  byte, no ``>`` before the end) goes to pyHanko's own function from the same position, so
  every error and every odd case is pyHanko's.
- RFC 4518 string preparation of a name attribute (asn1crypto's ``_ldap_string_prep``, run
  on every name comparison of path building and issuer matching) depends on the string
  alone; its results are remembered (an error is not, so it is raised again each time).
- RFC 5280 7.1 comparison of two names (asn1crypto's ``Name.__eq__``: pyHanko matches the
  signer's issuer and serial against every certificate of every signature, path building
  compares issuers and subjects) depends on the two encodings alone; its answers are
  remembered by the pair of DER encodings, a batch's chain compared once.

``install()`` puts them in place, once per process, on first verification (as
``verify.logmask`` does). tests/verify/test_fastread.py compares them with the originals.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from functools import lru_cache
from typing import BinaryIO

from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

#: pyHanko's and asn1crypto's own functions (what the fast paths fall back to / wrap)
_PdfString = generic.ByteStringObject | generic.TextStringObject
PYHANKO_READ_HEX = generic.read_hex_string_from_stream
ASN1_STRING_PREP: Callable[[object, str], str] = x509.NameTypeAndValue._ldap_string_prep
_CHUNK = 1 << 16


def read_hex_string(stream: BinaryIO) -> _PdfString:
    """``generic.read_hex_string_from_stream`` (the stream is at the ``<``)."""
    start = stream.tell()
    stream.read(1)
    parts: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        if not chunk:
            stream.seek(start)
            return PYHANKO_READ_HEX(stream)  # no end: pyHanko says how
        parts.append(chunk)
    body = b"".join(parts)
    digits = body.translate(None, PDF_WHITESPACE)
    if digits.translate(None, generic.HEX_DIGITS):
        stream.seek(start)
        return PYHANKO_READ_HEX(stream)  # a comment or a byte that is no hex digit
    stream.seek(start + 1 + len(body) + 1)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


ASN1_NAME_EQ: Callable[[x509.Name, object], bool] = x509.Name.__eq__
_NAMES_EQUAL: dict[tuple[bytes, bytes], bool] = {}
_NAMES_MAX = 8192


def names_equal(self: x509.Name, other: object) -> bool:
    """``x509.Name.__eq__``, remembered by the two names' DER encodings."""
    if not isinstance(other, x509.Name):
        return ASN1_NAME_EQ(self, other)
    key = (self.dump(), other.dump())
    known = _NAMES_EQUAL.get(key)
    if known is None:
        known = ASN1_NAME_EQ(self, other)  # raises as asn1crypto does: nothing kept
        if len(_NAMES_EQUAL) >= _NAMES_MAX:
            _NAMES_EQUAL.clear()
        _NAMES_EQUAL[key] = known
    return known


@lru_cache(maxsize=8192)
def _prepared(string: str) -> str:
    return ASN1_STRING_PREP(None, string)


def ldap_string_prep(_self: object, string: str) -> str:
    """``x509.NameTypeAndValue._ldap_string_prep``, remembered by string."""
    if type(string) is not str:
        return ASN1_STRING_PREP(_self, string)  # whatever asn1crypto does with it
    return _prepared(string)


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    generic.read_hex_string_from_stream = read_hex_string
    x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep
    x509.Name.__eq__ = names_equal
    _installed = True


def uninstall() -> None:
    """pyHanko's and asn1crypto's own functions back (the tests compare verdicts both ways)."""
    global _installed
    generic.read_hex_string_from_stream = PYHANKO_READ_HEX
    x509.NameTypeAndValue._ldap_string_prep = ASN1_STRING_PREP
    x509.Name.__eq__ = ASN1_NAME_EQ
    _installed = False
