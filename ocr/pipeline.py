"""Digitise a scan into a searchable PDF/A: plan, recognise pages in parallel, join, report.

Pages go to a process pool a few at a time (never all at once), and each comes back as a
one-page PDF on disk plus a small result, so memory stays flat for a 500-page dossier.
"""

from __future__ import annotations

import logging
import multiprocessing
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from common.clock import Clock, SystemClock
from ocr import errors
from ocr.engine import OcrEngine, TesseractEngine
from ocr.errors import OcrInputError, SignedPdfError
from ocr.intake import plan_input
from ocr.metadata import suggest_metadata
from ocr.options import OcrOptions
from ocr.page import PageOutcome, PageTask, process_page
from ocr.pdfa import finish_pdfa, merge_pages
from ocr.results import OcrResult, PageResult, ProgressEvent

log = logging.getLogger(__name__)

Progress = Callable[[ProgressEvent], None]


def digitise(
    source: Path,
    output: Path,
    options: OcrOptions | None = None,
    *,
    sidecar: Path | None = None,
    progress: Progress | None = None,
    engine: OcrEngine | None = None,
    clock: Clock | None = None,
) -> OcrResult:
    """OCR ``source`` (image, multi-page TIFF, PDF or folder of images) into PDF/A ``output``.

    A signed PDF is never rewritten: kyso refuses it (``ocr_signed_pdf``) unless
    ``options.derivative_of_signed`` asks for a separate derivative, which references the
    original's SHA-256 and leaves the original file untouched.
    """
    options = options or OcrOptions()
    engine = engine or TesseractEngine(timeout=options.page_timeout)
    clock = clock or SystemClock()
    started = time.monotonic()
    _check_paths(source, output, sidecar)
    plan = plan_input(source, options)
    if plan.signed and not options.derivative_of_signed:
        raise SignedPdfError(
            "ocr_signed_pdf",
            f"{source.name} is digitally signed; kyso never rewrites a signed PDF "
            "(ask for a separate derivative instead)",
        )
    with tempfile.TemporaryDirectory(prefix="kyso-ocr-") as tmp:
        workdir = Path(tmp)
        tasks = [
            PageTask(page, n, workdir / f"p{n:05d}.pdf", options, engine)
            for n, page in enumerate(plan.pages, 1)
        ]
        outcomes = list(_run_pages(tasks, options.jobs, progress))
        pages = tuple(outcome.result for outcome in outcomes)
        metadata = suggest_metadata([page.text for page in pages])
        title = options.title or (metadata.title.value if metadata.title else source.stem)
        merged = workdir / "merged.pdf"
        merge_pages([o.pdf for o in outcomes], merged, timeout=60 + 2 * len(outcomes))
        partial = output.with_name(output.name + ".part")
        try:
            finish_pdfa(
                merged,
                partial,
                title=title,
                created=clock.now(),
                source_sha256=plan.sha256,
                derivative=plan.signed,
            )
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    if sidecar is not None:
        sidecar.write_text("\n\f".join(page.text for page in pages) + "\n", encoding="utf-8")
    review = tuple(page.number for page in pages if page.needs_review)
    seconds = round(time.monotonic() - started, 3)
    log.info("digitised %s pages in %.1fs (%s for review)", len(pages), seconds, len(review))
    return OcrResult(
        output=output,
        pages=pages,
        metadata=metadata,
        source_sha256=plan.sha256,
        derivative=plan.signed,
        sidecar=sidecar,
        seconds=seconds,
        review_pages=review,
    )


def _check_paths(source: Path, output: Path, sidecar: Path | None) -> None:
    resolved = source.resolve()
    for target in (output, sidecar):
        if target is not None and target.resolve() == resolved:
            raise OcrInputError(errors.OUTPUT_IS_INPUT, "the output would overwrite the input")


def _run_pages(
    tasks: list[PageTask], jobs: int, progress: Progress | None
) -> Iterator[PageOutcome]:
    total = len(tasks)
    if jobs <= 1 or total == 1:
        for done, task in enumerate(tasks, 1):
            outcome = process_page(task)
            if progress:
                progress(ProgressEvent(done, total, task.number))
            yield outcome
        return
    # forkserver, not fork: the caller may have threads (a progress bar, a job worker) and a
    # fork copies their held locks. The server imports the page code once; workers fork from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ocr.page"])
    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context) as pool:
        pending: deque[Future[PageOutcome]] = deque()
        queue = iter(tasks)
        window = 2 * jobs
        done = 0
        for task in queue:
            pending.append(pool.submit(process_page, task))
            if len(pending) >= window:
                break
        while pending:
            outcome = pending.popleft().result()
            done += 1
            if progress:
                progress(ProgressEvent(done, total, outcome.result.number))
            next_task = next(queue, None)
            if next_task is not None:
                pending.append(pool.submit(process_page, next_task))
            yield outcome


def page_summary(pages: tuple[PageResult, ...]) -> str:
    """One line per page, for logs and the CLI."""
    return "\n".join(
        f"{p.number}: conf {p.mean_confidence:.0f} rot {p.rotation} skew {p.skew:+.1f}"
        + (" REVIEW" if p.needs_review else "")
        for p in pages
    )
