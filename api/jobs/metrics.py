"""Prometheus metrics of background jobs, counted where the job runs.

In the API process (in-process queue) they are part of ``/metrics``. A Celery worker serves
them itself (``kyso worker --metrics-port N``), added up over its processes through
prometheus_client's multiprocess mode, which needs ``PROMETHEUS_MULTIPROC_DIR`` set before
this module is first imported.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry()
JOBS = Counter(
    "kyso_jobs", "background jobs finished, by kind and outcome", ["kind", "status"],
    registry=REGISTRY,
)  # fmt: skip
JOB_SECONDS = Histogram(
    "kyso_job_seconds", "background job duration", ["kind"], registry=REGISTRY,
    buckets=(0.5, 2, 5, 15, 60, 300, 1800, 7200),
)  # fmt: skip
OCR_PAGES = Counter("kyso_ocr_pages", "pages digitised by OCR", registry=REGISTRY)
