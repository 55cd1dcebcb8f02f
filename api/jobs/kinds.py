"""The kinds of background job kyso runs, bound to the context of the process that runs them.

A job runs where its queue runs it: in the API process (the in-process queue: the API's own
services) or in a Celery worker process (a context built once per worker process, on its
first job: api/jobs/context.py). A kind asks for the context when it runs, never builds one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from api.jobs.base import JSON, JobKind, Progress, Registry
from api.settings import Settings
from common.errors import InputError

if TYPE_CHECKING:
    from archive.ingest import Archive
    from archive.protocols import LtaRenewer


class JobContext(Protocol):
    """What the jobs use (the services of the process running them satisfy it)."""

    @property
    def archive(self) -> Archive: ...

    def lta_renewer(self, horizon: timedelta = ...) -> LtaRenewer: ...

    def anchor_audit_log(self, every: timedelta) -> int | None: ...


ContextOf = Callable[[], JobContext]


def _audit(settings: Settings, context: ContextOf) -> JobKind:
    def run(payload: JSON, progress: Progress) -> JSON:
        from archive.fixity import audit

        sample = float(str(payload.get("sample", 1.0)))
        report = audit(context().archive, sample=sample, resume=bool(payload.get("resume")))
        progress(report.checked, report.checked)
        return {
            "run_id": report.run_id,
            "checked": report.checked,
            "problems": [
                {"document": p.document_id, "version": p.number, "problem": p.problem}
                for p in report.problems
            ],
        }

    return JobKind("archive.audit", run)


def _path(payload: JSON, key: str, settings: Settings) -> Path:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise InputError("job_payload_invalid", f"{key} is required")
    path = Path(value)
    return path if path.is_absolute() else settings.data_dir / path


def _ocr(settings: Settings, _context: ContextOf) -> JobKind:
    def run(payload: JSON, progress: Progress) -> JSON:
        from api.jobs import metrics
        from ocr.options import OcrOptions
        from ocr.pipeline import digitise

        source, output = _path(payload, "source", settings), _path(payload, "output", settings)
        options = OcrOptions(languages=str(payload.get("languages", "vie+eng")), jobs=1)
        result = digitise(
            source,
            output,
            options,
            sidecar=output.with_suffix(".txt"),
            progress=lambda event: progress(event.done, event.total),
        )
        metrics.OCR_PAGES.inc(len(result.pages))
        suggestions = {
            name: {"value": found.value, "page": found.page}
            for name, found in vars(result.metadata).items()
            if found is not None
        }
        return {  # shown to the archivist: no server paths (the scan desk knows its files)
            "pages": len(result.pages),
            "review_pages": [p.number for p in result.pages if p.needs_review],
            "page_details": [
                {
                    "number": p.number,
                    "confidence": round(p.mean_confidence, 1),
                    "needs_review": p.needs_review,
                    "issues": list(p.digitisation_issues),
                    "rotation": p.rotation,
                }
                for p in result.pages
            ],
            "metadata": suggestions,
        }

    return JobKind("ocr.digitise", run)


def _lta(_settings: Settings, context: ContextOf) -> JobKind:
    def run(payload: JSON, progress: Progress) -> JSON:
        from archive.lta import renew_due

        services = context()
        horizon = timedelta(days=int(str(payload.get("horizon_days", 365))))
        report = renew_due(services.archive, services.lta_renewer(horizon))
        progress(report.checked, report.checked)
        return {"checked": report.checked, "renewed": list(report.renewed)}

    return JobKind("archive.lta_renew", run)


def _anchor(_settings: Settings, context: ContextOf) -> JobKind:
    def run(payload: JSON, progress: Progress) -> JSON:
        every = timedelta(seconds=float(str(payload.get("every_seconds", 3600))))
        seq = context().anchor_audit_log(every)
        progress(1, 1)
        return {"anchored": seq}

    return JobKind("archive.anchor", run)


def default_registry(settings: Settings, context: ContextOf) -> Registry:
    """Every kind; ``context`` gives the running process's context (called when a job runs)."""
    registry = Registry()
    for make in (_audit, _ocr, _lta, _anchor):
        registry.add(make(settings, context))
    return registry
