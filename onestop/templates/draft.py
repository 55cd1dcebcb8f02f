"""A template filled in: every text the page prints, resolved from the dossier, the register's
number and the official's fields (``ResultDraft``), before it is laid out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from common.clock import VN_TZ
from onestop.model import Dossier
from onestop.numbering import notation
from onestop.templates.spec import PLACEHOLDERS, ResultTemplate, checked_fields


@dataclass(frozen=True)
class Paragraph:
    text: str
    #: printed bold before the text ("Điều 1.")
    label: str = ""
    style: str = ""  # "" | "B" | "I"
    align: str = "J"  # J (justified, first line indented) | C (centred)


@dataclass(frozen=True)
class ResultDraft:
    """What the page says, box by box of Decree 30/2020 Appendix I (numbers in brackets)."""

    #: (2) the issuing agency, one or two lines, upper case
    agency_lines: tuple[str, ...]
    #: (3) "Số: 12/QĐ-UBND"
    notation: str
    #: (4) "Hà Nội, ngày 03 tháng 12 năm 2026"
    place_date: str
    #: (5a) the type's name ("" for a letter) and the subject under it; (5b) a letter's "V/v"
    title: str
    subject: str
    #: the lines before the content: a decision's authority, a letter's "Kính gửi"
    heading: tuple[Paragraph, ...]
    #: (6) the content
    body: tuple[Paragraph, ...]
    #: (9a) "Nơi nhận:" lines
    recipients: tuple[str, ...]
    #: (7a) authority and title, (7b) the signer's name
    signer_lines: tuple[str, ...]
    signer_name: str
    #: a preview: no number taken, marked as a draft
    preview: bool = False


def vietnamese_date(place: str, moment: datetime) -> str:
    """Decree 30/2020, Appendix I: a 0 before days 1-9 and months 1 and 2."""
    day = moment.astimezone(VN_TZ)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def agency_code(agency: str) -> str:
    """The usual abbreviation of an agency's name: UBND for a people's committee, else the
    initials of its words ("Sở Tư pháp" -> "STP")."""
    if re.match(r"(?i)^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\b", agency):
        return "UBND"
    return "".join(w[0] for w in agency.split() if w[0].isalpha()).upper()


def agency_lines(agency: str) -> tuple[str, ...]:
    """The agency's name as printed in box (2): "UBND Quận Hoàn Kiếm" -> ("ỦY BAN NHÂN DÂN",
    "QUẬN HOÀN KIẾM")."""
    match = re.match(r"(?i)^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s*(.*)$", agency)
    if match:
        rest = match.group(2).strip()
        return ("ỦY BAN NHÂN DÂN", rest.upper()) if rest else ("ỦY BAN NHÂN DÂN",)
    return (agency.upper(),)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class DossierFacts:
    """What the template takes from the dossier and the accounts (no CCCD number)."""

    dossier: Dossier
    citizen_name: str
    official_name: str


def fill(
    spec: ResultTemplate,
    facts: DossierFacts,
    typed: dict[str, str],
    *,
    number: int | None,
    issued_at: datetime,
) -> ResultDraft:
    """The draft of ``spec`` for the dossier; ``number`` None: a preview (no number)."""
    dossier = facts.dossier
    values = {
        "citizen": facts.citizen_name,
        "service": dossier.service,
        "dossier": dossier.code,
        "submitted": dossier.submitted_at.astimezone(VN_TZ).strftime("%d/%m/%Y"),
        "agency": dossier.agency,
    }
    assert set(values) == set(PLACEHOLDERS)

    def text(name: str) -> str:
        out = fields[name]
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out

    fields = checked_fields(spec, typed)
    lines = tuple(_lines(text("agency_name"))) or agency_lines(dossier.agency)
    code = text("agency_code") or agency_code(dossier.agency)
    type_code = spec.doc_type if spec.prints_type else None
    unit = text("unit_code") if spec.field("unit_code") else ""
    heading: list[Paragraph] = []
    body: list[Paragraph] = []
    if spec.name == "decision":
        authority = text("authority") or f"{text('signer_title')} {' '.join(lines)}"
        heading.append(Paragraph(authority.upper(), style="B", align="C"))
        body += [Paragraph(g, style="I") for g in _lines(text("grounds"))]
        body.append(Paragraph("QUYẾT ĐỊNH:", style="B", align="C"))
        articles = _lines(text("articles"))
        body += [Paragraph(a, label=f"Điều {n}.") for n, a in enumerate(articles, 1)]
    elif spec.name == "letter":
        heading.append(Paragraph(f"Kính gửi: {text('addressee')}", align="C"))
        body += [Paragraph(p) for p in _lines(text("body"))]
    else:
        verb = "chứng nhận" if spec.doc_type == "GCN" else "xác nhận"
        body.append(Paragraph(f"{dossier.agency} {verb}:"))
        body.append(Paragraph(f"Ông (bà): {facts.citizen_name}", style="B"))
        body += [Paragraph(p) for p in _lines(text("body"))]
    signer = tuple(s.upper() for s in (text("signer_authority"), text("signer_title")) if s)
    return ResultDraft(
        agency_lines=lines,
        notation=f"Số: {notation(number, type_code, code, unit)}",
        place_date=vietnamese_date(text("place"), issued_at),
        title=spec.title,
        subject=text("subject"),
        heading=tuple(heading),
        body=tuple(body),
        recipients=tuple(_lines(text("recipients"))),
        signer_lines=signer,
        signer_name=text("signer_name") or facts.official_name,
        preview=number is None,
    )
