"""Verify a printed copy: read the scan, find the archived original its QR code names, verify
the original's signatures, compare the paper with the original's text, draw what differs.

Used by ``kyso verify-print`` and by ``POST /api/v1/verify/print`` and the web pages; the
callers give how the original is verified (the CLI in a forked child, the API off the event
loop with its report cache).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.printcheck.originals import find_original
from api.printcheck.other import OtherResult, other_result
from api.printcheck.reader import ReadPage, ScanLimits, ScanReading, read_isolated
from api.wiring import Services
from archive.metadata import DocumentRecord, VersionRecord
from onestop.templates.fixed import fixed_texts
from verify.model import ValidationReport
from verify.printed.compare import compare_print
from verify.printed.draw import annotated
from verify.printed.errors import PrintScanError
from verify.printed.ink import probe_file
from verify.printed.model import PrintComparison, PrintVerdict
from verify.printed.original import original_pages
from verify.printed.other import as_another_document
from verify.printed.qr import QrTarget, verify_target

log = logging.getLogger(__name__)
#: verifies the original's bytes (kyso's own archived PDF)
Verifier = Callable[[bytes, VersionRecord], ValidationReport]


@dataclass(frozen=True)
class PrintCheck:
    """The whole answer: which original, its verdict, and whether the paper says the same."""

    code: str
    #: the verification URL read from the paper's QR code (None: the code was given)
    qr: QrTarget | None
    #: a code was given and the paper's QR code names another one
    qr_mismatch: bool
    document: DocumentRecord
    version: VersionRecord
    report: ValidationReport
    comparison: PrintComparison
    #: each scanned page with the changes drawn on it (JPEG)
    pictures: tuple[bytes, ...]
    #: mean OCR confidence per scanned page
    confidence: tuple[float, ...]
    seconds: float
    #: the paper is a copy of this other registered result (``comparison`` then says
    #: ``another_document``): its printed number names it and it matches it far better
    other: OtherResult | None = None


def _target(reading: ScanReading, code: str | None, public_url: str) -> tuple[str, QrTarget | None]:
    targets = [t for t in (verify_target(text, public_url) for text in reading.qr) if t]
    codes = {t.code for t in targets}
    if code is not None:
        named = next((t for t in targets if t.code == code), targets[0] if targets else None)
        return code, named
    if not codes:
        raise PrintScanError(
            "print_qr_not_found",
            "no verification QR code could be read on the scan; give the code printed on it",
        )
    if len(codes) > 1:
        raise PrintScanError(
            "print_qr_ambiguous", f"the scan carries QR codes of {len(codes)} documents"
        )
    return targets[0].code, targets[0]


def check_print(
    svc: Services,
    scan: Path,
    verify: Verifier,
    *,
    code: str | None = None,
    public_only: bool = True,
    limits: ScanLimits | None = None,
    jobs: int = 2,
    workdir: Path | None = None,
) -> PrintCheck:
    """Check the scan of a printed result against its archived original (blocking)."""
    started = time.monotonic()
    parent = workdir or svc.settings.data_dir / "tmp"
    parent.mkdir(parents=True, exist_ok=True)
    # a code given is looked up first: an unknown one costs no OCR
    given = find_original(svc, code, public_only=public_only) if code is not None else None
    with tempfile.TemporaryDirectory(prefix="kyso-print-", dir=parent) as tmp:
        reading = read_isolated(
            scan, Path(tmp), limits or ScanLimits(), jobs, require_qr=code is None
        )
        chosen, target = _target(reading, code, svc.settings.public_url)
        original = given or find_original(svc, chosen, public_only=public_only)
        report = verify(original.pdf, original.version)
        scans = [page.scan for page in reading.pages]
        probes = [probe_file(page.image) for page in reading.pages]
        pages = original_pages(original.pdf)
        comparison = compare_print(scans, pages, probes, layout_text=fixed_texts())
        other = None
        if comparison.verdict is not PrintVerdict.MATCHES:
            # another result of the template reads as this one changed: its number names it
            other = other_result(svc, original, scans, probes, comparison,
                                 public_only=public_only, layout_text=fixed_texts())  # fmt: skip
            if other is not None:
                comparison = as_another_document(comparison, len(pages))
        pictures = tuple(_pictures(reading.pages, comparison))
    seconds = round(time.monotonic() - started, 3)
    log.info(
        "print check of %s: %s%s, %d change(s), %.1fs",
        original.document.id, comparison.verdict.value,
        f" ({other.document.id})" if other else "", len(comparison.changes), seconds,
    )  # fmt: skip
    return PrintCheck(
        code=chosen,
        qr=target,
        qr_mismatch=code is not None and target is not None and target.code != code,
        document=original.document,
        version=original.version,
        report=report,
        comparison=comparison,
        pictures=pictures,
        confidence=tuple(page.scan.confidence for page in reading.pages),
        seconds=seconds,
        other=other,
    )


def _pictures(pages: tuple[ReadPage, ...], comparison: PrintComparison) -> list[bytes]:
    return [
        annotated(page.image, compared)
        for page, compared in zip(pages, comparison.pages, strict=True)
    ]
