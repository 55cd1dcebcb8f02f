"""Vietnamese identity numbers: the 12-digit citizen ID (CCCD) and phone numbers.

Never log these values (DOMAIN.md); ``mask_cccd`` is what reports and stamps show.
"""

from __future__ import annotations

import re

from certs.errors import PkiInputError

# Province codes of the 12-digit CCCD (Circular 07/2016/TT-BCA, Appendix): the first 3 digits.
_PROVINCES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
    "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
    "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)
PROVINCE_CODES = frozenset(_PROVINCES.split())
_CCCD = re.compile(r"^\d{12}$")
_PHONE = re.compile(r"^(?:\+84|0)(?:3|5|7|8|9)\d{8}$")


def validate_cccd(value: str) -> str:
    """Check the format of a CCCD: 12 digits, a known province code and a gender/century digit."""
    cccd = value.strip()
    if not _CCCD.match(cccd):
        raise PkiInputError("cccd_invalid", "CCCD must be exactly 12 digits")
    if cccd[:3] not in PROVINCE_CODES:
        raise PkiInputError("cccd_invalid", "CCCD does not start with a known province code")
    return cccd


def validate_phone(value: str) -> str:
    phone = re.sub(r"[\s.-]", "", value)
    if not _PHONE.match(phone):
        raise PkiInputError("phone_invalid", "phone must be a Vietnamese mobile number")
    return phone


def mask_cccd(cccd: str) -> str:
    """``001203004567`` -> ``001******567``: enough to recognise, not enough to misuse."""
    return cccd[:3] + "*" * (len(cccd) - 6) + cccd[-3:]


def validate_name(value: str, what: str = "name") -> str:
    text = " ".join(value.split())
    if not text or len(text) > 128:
        raise PkiInputError("name_invalid", f"{what} must be 1-128 characters")
    return text
