"""The public, frozen record of one signature field as the engine read it.

``verify/engine.py`` builds each field's record once its document time-stamps are
validated; ``assemble.py`` and ``changes.py`` look at the document's other signatures only
through these (the engine's working state stays private to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature


@dataclass(frozen=True)
class SignatureField:
    name: str
    #: pyHanko's reading of the signature; None when it could not be read
    embedded: EmbeddedPdfSignature | None
    is_timestamp: bool
    #: the signed revision (pyHanko's count, from 0); -1 when the signature is unreadable
    revision: int = -1
    #: for document time-stamps: (time, trusted), once validated
    stamp: tuple[datetime, bool] | None = None
