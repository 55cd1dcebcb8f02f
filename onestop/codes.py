"""Dossier codes and the public landing URL, made and recognised here only.

A dossier's receipt code is ``HS`` (hồ sơ) and ten Crockford base32 characters; it is printed
on the receipt and, as the landing URL ``{public_url}/v/{code}``, in the QR code of the receipt
and of the returned result (``verify.printed.qr`` reads that URL back from a scan).
"""

from __future__ import annotations

from dataclasses import dataclass

from common.ids import short_code

DOSSIER_PREFIX = "HS"
CODE_LENGTH = 10
#: the ``api_dossier.code`` column's width
MAX_CODE = 32
LANDING_PREFIX = "/v/"


def new_dossier_code() -> str:
    return DOSSIER_PREFIX + short_code(CODE_LENGTH)


def is_dossier_code(text: str) -> bool:
    """A code that names a dossier (anything else on a landing URL is an archive document id,
    whose ids never start with ``HS``)."""
    return text.startswith(DOSSIER_PREFIX) and len(text) <= MAX_CODE


def landing_path(code: str) -> str:
    """The landing page's path (links inside kyso, e.g. notifications)."""
    return f"{LANDING_PREFIX}{code}"


@dataclass(frozen=True)
class PublicUrls:
    """Addresses under the service's public URL (``KYSO_PUBLIC_URL``)."""

    base: str

    def landing(self, code: str) -> str:
        """What the QR code of a receipt or result holds: anyone may open it."""
        return self.base.rstrip("/") + landing_path(code)
