"""The printed-copy check as JSON (``POST /api/v1/verify/print``, ``kyso verify-print --json``)."""

from __future__ import annotations

import base64

from pydantic import BaseModel

from api.printcheck.service import PrintCheck
from verify.printed.model import Change, PageComparison
from verify.serialize import report_dict


class PrintChangePublic(BaseModel):
    kind: str
    page: int
    original_page: int
    original: str
    printed: str
    #: on the scanned page's image, in its pixels: left, top, right, bottom
    region: list[float]
    line: str
    reason: str
    confidence: float


class PrintPagePublic(BaseModel):
    page: int
    original_page: int
    aligned: bool
    words_compared: int
    #: share of the original page's words found on the paper
    coverage: float
    #: share of the original page's distinctive words (not the template's fixed text) found
    distinctive: float
    #: the page lines up with the original's layout but shows another document
    other_document: bool
    ocr_confidence: float
    noise: int
    changes: list[PrintChangePublic]
    doubts: list[PrintChangePublic]
    #: the page image with the changes drawn (``data:image/jpeg;base64,...``), when asked for
    picture: str | None = None


class PrintOriginalPublic(BaseModel):
    code: str
    document_id: str
    title: str
    number: str | None
    issuing_body: str | None
    sha256: str
    indication: str
    sub_indication: str | None
    #: the original's verification report, as POST /api/v1/verify answers it
    report: dict[str, object]


class PrintOtherPublic(BaseModel):
    """The registered result the paper is a copy of (verdict ``another_document``)."""

    #: its look-up code: check the paper again with it (``--code``) for its full answer
    code: str
    document_id: str
    title: str
    #: its number as registered, and as read on the paper
    number: str | None
    printed_number: str
    #: the paper against that result's text: matches | changed | inconclusive
    verdict: str
    #: per scanned page, the share of that result's distinctive words found on it
    distinctive: list[float]


class PrintCheckPublic(BaseModel):
    #: matches | changed | inconclusive | another_document (the paper against the original's
    #: text; another_document: a copy of another registered result, named in other_result)
    verdict: str
    original: PrintOriginalPublic
    qr_url: str | None
    #: the QR code's URL is not this service's public URL
    qr_foreign: bool
    #: a code was given and the paper's QR code names another document
    qr_mismatch: bool
    pages: list[PrintPagePublic]
    missing_pages: list[int]
    seconds: float
    other_result: PrintOtherPublic | None = None


def _change(change: Change) -> PrintChangePublic:
    return PrintChangePublic(
        kind=change.kind.value,
        page=change.page,
        original_page=change.original_page,
        original=change.original,
        printed=change.printed,
        region=list(change.region),
        line=change.line,
        reason=change.reason,
        confidence=change.confidence,
    )


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _page(page: PageComparison, confidence: float, picture: bytes | None) -> PrintPagePublic:
    return PrintPagePublic(
        page=page.page,
        original_page=page.original_page,
        aligned=page.aligned,
        words_compared=page.words_compared,
        coverage=page.coverage,
        distinctive=page.distinctive,
        other_document=page.other_document,
        ocr_confidence=confidence,
        noise=page.noise,
        changes=[_change(c) for c in page.changes],
        doubts=[_change(d) for d in page.doubts],
        picture=data_uri(picture) if picture is not None else None,
    )


def _other(check: PrintCheck) -> PrintOtherPublic | None:
    other = check.other
    if other is None:
        return None
    return PrintOtherPublic(
        code=other.code,
        document_id=other.document.id,
        title=other.document.meta.title,
        number=other.document.meta.number_notation or None,
        printed_number=other.printed_number,
        verdict=other.comparison.verdict.value,
        distinctive=[page.distinctive for page in other.comparison.pages],
    )


def print_check_public(check: PrintCheck, *, pictures: bool = False) -> PrintCheckPublic:
    meta = check.document.meta
    report = check.report
    original = PrintOriginalPublic(
        code=check.code,
        document_id=check.document.id,
        title=meta.title,
        number=meta.number_notation or None,
        issuing_body=meta.issuing_body or None,
        sha256=check.version.sha256,
        indication=report.indication.value,
        sub_indication=report.sub_indication.value if report.sub_indication else None,
        report=report_dict(report),
    )
    pages = [
        _page(page, confidence, picture if pictures else None)
        for page, confidence, picture in zip(
            check.comparison.pages, check.confidence, check.pictures, strict=True
        )
    ]
    return PrintCheckPublic(
        verdict=check.comparison.verdict.value,
        original=original,
        qr_url=check.qr.url if check.qr else None,
        qr_foreign=bool(check.qr and check.qr.foreign),
        qr_mismatch=check.qr_mismatch,
        pages=pages,
        missing_pages=list(check.comparison.missing_pages),
        seconds=check.seconds,
        other_result=_other(check),
    )
