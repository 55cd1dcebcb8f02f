"""PDF names as text, whatever bytes a hostile file put in them.

pikepdf decodes a name as UTF-8 when it is turned into ``str``: a name such as ``/F#C0``
(not UTF-8) raises ``UnicodeDecodeError``, and a dictionary key of that kind comes back as a
``str`` with surrogates that pikepdf refuses as an argument again (``TypeError``). kyso's own
walks over untrusted files therefore read names through here and dictionaries by ``items()``.
"""

from __future__ import annotations

import pikepdf


def name_text(value: pikepdf.Object) -> str:
    """The name as written (``/Sig``); bytes that are not UTF-8 as PDF ``#xx`` escapes."""
    try:
        return str(value)
    except UnicodeDecodeError:
        return bytes(value.unparse()).decode("ascii", "replace")


def pdf_text(value: object) -> str:
    """Any PDF value as text for a report or a comparison: names as ``name_text``, strings
    decoded by pikepdf, anything else as pikepdf writes it."""
    if isinstance(value, pikepdf.Object):
        try:
            return str(value)
        except UnicodeDecodeError:
            return bytes(value.unparse()).decode("ascii", "replace")
    return str(value)
