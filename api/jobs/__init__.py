"""Background work: a ``JobQueue`` with an in-process pool (embedded) and Celery on Redis."""
