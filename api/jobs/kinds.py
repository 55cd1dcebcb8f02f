"""The kinds of background job kyso runs, bound to the services of the running process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from api.jobs.base import JSON, JobKind, Progress, Registry
from api.settings import Settings
from common.errors import InputError


def _audit(settings: Settings) -> JobKind:
    def run(payload: JSON, progress: Progress) -> JSON:
        from api.wiring_archive import build_archive
        from archive.fixity import audit

        sample = float(str(payload.get("sample", 1.0)))
        report = audit(build_archive(settings), sample=sample, resume=bool(payload.get("resume")))
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


def _ocr(settings: Settings) -> JobKind:
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


def _lta(settings: Settings) -> JobKind:
    def run(payload: JSON, progress: Progress) -> JSON:
        from api.wiring import Services
        from archive.lta import renew_due

        services = Services(settings)
        horizon = timedelta(days=int(str(payload.get("horizon_days", 365))))
        report = renew_due(services.archive, services.lta_renewer(horizon))
        progress(report.checked, report.checked)
        return {"checked": report.checked, "renewed": list(report.renewed)}

    return JobKind("archive.lta_renew", run)


def default_registry(settings: Settings) -> Registry:
    registry = Registry()
    for make in (_audit, _ocr, _lta):
        registry.add(make(settings))
    return registry
