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


class PrintCheckPublic(BaseModel):
    #: matches | changed | inconclusive (the paper against the original's text)
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
    )
