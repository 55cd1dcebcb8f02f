"""Byte-level checks of a signature: ByteRange sanity (signature wrapping) and USF.

pyHanko hashes whatever ByteRange says; these checks make sure that what it says is the
only sane thing: from byte 0 to the end of a revision, with exactly one gap that holds
exactly the hex string of /Contents (Mladenov et al., "1 Trillion Dollar Refund", 2019).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EOF = re.compile(rb"%%EOF[ \t]*(\r\n|\r|\n)?")
_HEX_GAP = re.compile(rb"<[0-9A-Fa-f]*>")


@dataclass(frozen=True)
class StructureProblem:
    code: str
    detail: str


def revision_ends(data: bytes) -> list[int]:
    """Offsets just after each ``%%EOF`` marker (and its end-of-line), in file order."""
    return [match.end() for match in _EOF.finditer(data)]


def revision_number(ends: list[int], end: int) -> int:
    """0-based revision whose end is ``end`` (or the first one ending after it)."""
    for index, value in enumerate(ends):
        if end <= value:
            return index
    return max(len(ends) - 1, 0)


def check_byte_range(
    data: bytes, byte_range: list[int], contents: bytes, ends: list[int]
) -> list[StructureProblem]:
    """Problems with one signature's /ByteRange against the file and its /Contents bytes."""
    problems: list[StructureProblem] = []
    if len(byte_range) != 4 or any(not isinstance(v, int) or v < 0 for v in byte_range):
        return [StructureProblem("byte_range_invalid", "it must be four non-negative integers")]
    start, first_len, second_start, second_len = byte_range
    if start != 0:
        problems.append(StructureProblem("byte_range_invalid", "it does not start at byte 0"))
    gap_start, gap_end = start + first_len, second_start
    if gap_end <= gap_start:
        problems.append(StructureProblem("byte_range_invalid", "its two parts overlap"))
        return problems
    end = second_start + second_len
    if end > len(data):
        problems.append(StructureProblem("byte_range_invalid", "it reaches past the end of file"))
        return problems
    if end not in ends and end != len(data):
        problems.append(
            StructureProblem("byte_range_invalid", "it does not end where a revision ends")
        )
    gap = data[gap_start:gap_end]
    if not _HEX_GAP.fullmatch(gap):
        problems.append(
            StructureProblem(
                "signature_wrapping",
                f"the {len(gap)}-byte gap is not one hex string (bytes {gap_start}-{gap_end})",
            )
        )
    elif bytes.fromhex(gap[1:-1].decode("ascii")) != contents:
        problems.append(
            StructureProblem(
                "signature_wrapping", "the unsigned gap is not the /Contents of this signature"
            )
        )
    return problems


def signature_value_empty(contents: bytes) -> bool:
    """USF variant 1: no signature at all (empty or zero-filled /Contents)."""
    return not contents.strip(b"\x00")
