"""Stored or uploaded documents sent back: always to save, never shown in kyso's origin.

A PDF may carry JavaScript, launch actions or attachments (kyso's reports say so, see
``verify.active``). Shown inline, a browser's PDF viewer would run in kyso's origin; sent as an
attachment (RFC 6266) with ``nosniff`` and a ``sandbox`` CSP, it is only ever a file the user
saves. The file name is ours to choose and is sanitised anyway: the header carries an ASCII
fallback and the UTF-8 name (RFC 8187 ``filename*``), so no CR/LF, quote, path or control
character reaches it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi.responses import Response

#: no script, no plugin, no form, no navigation: the response is a file, not a page
SANDBOX_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
MAX_NAME = 120
_UNSAFE = re.compile(r'[\\/:*?"<>|;,]')
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(filename: str, default: str = "document.pdf") -> str:
    """``filename`` without any directory part, control, format (bidi) or path character,
    NFC-composed, at most ``MAX_NAME`` characters (the extension kept)."""
    base = re.split(r"[\\/]", filename)[-1]
    text = unicodedata.normalize("NFC", base)
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch)[0] != "C" and not _UNSAFE.match(ch)
    )
    kept = " ".join(kept.split()).strip(" .")
    if not kept:
        return default
    if len(kept) > MAX_NAME:
        stem, dot, suffix = kept.rpartition(".")
        suffix = f".{suffix}" if dot and 0 < len(suffix) <= 10 else ""
        kept = (stem if suffix else kept)[: MAX_NAME - len(suffix)].rstrip(" .") + suffix
    return kept


def content_disposition(filename: str, default: str = "document.pdf") -> str:
    """``attachment`` with an ASCII ``filename`` and the exact UTF-8 ``filename*``."""
    name = safe_filename(filename, default)
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = _ASCII_UNSAFE.sub("_", folded.encode("ascii", "ignore").decode()).strip("._")
    fallback = ascii_name or default
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment(data: bytes, filename: str, media_type: str = "application/pdf") -> Response:
    """``data`` as a download: attachment, sandboxed, never sniffed into something else."""
    headers = {
        "Content-Disposition": content_disposition(filename),
        "Content-Security-Policy": SANDBOX_CSP,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=media_type, headers=headers)
