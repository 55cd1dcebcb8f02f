"""Peers not written here: poppler's pdfsig (NSS) on the same files."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from common.subprocess_run import run


def pdfsig(pdf: bytes, root_pem: Path) -> list[dict[str, str]]:
    """pdfsig's verdict per signature, with kyso's root in a throw-away NSS database."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        run(["certutil", "-N", "-d", f"sql:{base}", "--empty-password"])
        run(["certutil", "-A", "-d", f"sql:{base}", "-n", "kyso-root", "-t", "CT,C,C",
             "-i", str(root_pem)])  # fmt: skip
        target = base / "doc.pdf"
        target.write_bytes(pdf)
        done = run(["pdfsig", "-nssdir", f"sql:{base}", str(target)], timeout=60, check=False)
    found: list[dict[str, str]] = []
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if re.match(r"^Signature #\d+:", line):
            found.append({})
        match = re.match(r"^\s+- ([^:]+): (.*)$", line)
        if match and found:
            found[-1][match[1]] = match[2]
    return found
