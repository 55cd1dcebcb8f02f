"""Frozen option and result objects of signing (built by ``api/``, returned to it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from common.clock import iso_vn
from signing.errors import SigningInputError


class StampKind(StrEnum):
    """The visible stamp: an official's signature, a citizen's, a certified copy, or none."""

    OFFICIAL = "official"
    CITIZEN = "citizen"
    COPY = "copy"
    NONE = "none"


def mask_cccd(cccd: str) -> str:
    """Show only the last 4 digits of a citizen ID (personal data stays off the page)."""
    return "*" * max(len(cccd) - 4, 0) + cccd[-4:]


@dataclass(frozen=True)
class StampContent:
    """What a stamp says. ``agency`` is required for official and copy stamps."""

    kind: StampKind
    signer_name: str
    agency: str | None = None
    title: str | None = None
    cccd: str | None = None
    #: the public verification URL of the document, drawn as a QR code when given
    verify_url: str | None = None
    #: filled in by the signer with the signature's own signing time
    signing_time: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind in (StampKind.OFFICIAL, StampKind.COPY) and not self.agency:
            raise SigningInputError("stamp_agency_missing", f"a {self.kind} stamp needs an agency")

    def lines(self) -> list[tuple[str, bool]]:
        """The text lines, each with whether it is bold."""
        if self.signing_time is None:
            raise SigningInputError("stamp_time_missing", "a stamp needs the signing time")
        when = iso_vn(self.signing_time)
        if self.kind is StampKind.COPY:
            return [(self.agency or "", False), (when, False)]
        if self.kind is StampKind.OFFICIAL:
            lines = [(f"Ký bởi: {self.signer_name}", True)]
            if self.title:
                lines.append((self.title, False))
            lines += [(f"Cơ quan: {self.agency}", False), (f"Thời gian ký: {when}", False)]
            return lines
        lines = [(f"Ký bởi: {self.signer_name}", True)]
        if self.cccd:
            lines.append((f"CCCD: {mask_cccd(self.cccd)}", False))
        lines.append((f"Thời gian ký: {when}", False))
        return lines


class Level(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @property
    def timestamped(self) -> bool:
        return self is not Level.B_B

    @property
    def long_term(self) -> bool:
        return self in (Level.B_LT, Level.B_LTA)


@dataclass(frozen=True)
class Placement:
    """Where a visible signature goes: a page (1-based) and a box in PDF points."""

    page: int
    box: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        x1, y1, x2, y2 = self.box
        if self.page < 1:
            raise SigningInputError("signing_bad_page", "pages are numbered from 1")
        if x2 - x1 < 20 or y2 - y1 < 10:
            raise SigningInputError("signing_bad_box", "the box must be x1,y1,x2,y2 with x1<x2")

    @classmethod
    def parse(cls, page: int, box: str) -> Placement:
        try:
            x1, y1, x2, y2 = (float(v) for v in box.split(","))
        except ValueError as exc:
            raise SigningInputError("signing_bad_box", "the box must be x1,y1,x2,y2") from exc
        return cls(page, (x1, y1, x2, y2))


@dataclass(frozen=True)
class ReservedField:
    """An empty signature field created with this signature, for a later signer.

    A certified document (DocMDP, form filling allowed) may only be signed afterwards in
    fields that already exist: the certifier reserves them (ISO 32000-2, 12.8.2.2).
    """

    name: str
    placement: Placement


@dataclass(frozen=True)
class SignOptions:
    level: Level = Level.B_B
    #: visible appearance; ``None`` makes an invisible signature
    stamp: StampContent | None = None
    #: an existing (empty) signature field to fill, or the name of the new one
    field_name: str | None = None
    #: where a new visible field goes; default: bottom right of the last page (copy
    #: stamps: top right of page 1, Decree 30/2020 Appendix I)
    placement: Placement | None = None
    #: certify (DocMDP, form filling and further signatures allowed): the first signature
    #: of an issued result
    certify: bool = False
    reason: str | None = None
    location: str | None = None
    contact: str | None = None
    #: empty fields to create for later signers (official, citizen) on a certified result
    reserve: tuple[ReservedField, ...] = ()


@dataclass(frozen=True)
class SignedDocument:
    """A signed PDF (the bytes, or the path it was written to) and what was done."""

    sha256: str
    level: Level
    field_name: str
    signer_serial: str
    signing_time: datetime
    certified: bool = False
    pdf: bytes | None = None
    path: str | None = None
