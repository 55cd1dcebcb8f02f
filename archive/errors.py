"""Errors of the archive package; each carries a stable ``code`` (never renamed once released)."""

from __future__ import annotations

from common.errors import ConflictError, ExternalServiceError, InputError, KysoError, NotFoundError


class ArchiveError(KysoError):
    """Root of every error the archive raises on purpose."""

    default_code = "archive_error"


class ArchiveInputError(ArchiveError, InputError):
    """Bad metadata, a bad bag, an unknown option: nothing stored was touched."""

    default_code = "archive_invalid_input"


class ArchiveNotFoundError(ArchiveError, NotFoundError):
    """A document, version, dossier or stored object does not exist."""

    default_code = "archive_not_found"


class ArchiveConflictError(ArchiveError, ConflictError):
    """The request conflicts with the archive's state (duplicate code, bad disposal step)."""

    default_code = "archive_conflict"


class ObjectLockedError(ArchiveConflictError):
    """An original is under retention or legal hold: it cannot be deleted or replaced."""

    default_code = "archive_object_locked"


class IntegrityError(ArchiveError):
    """Stored bytes do not match their recorded SHA-256 (or a bag's manifest)."""

    default_code = "archive_integrity_failed"


class StoreUnavailableError(ArchiveError, ExternalServiceError):
    """The object store or the catalog database failed."""

    default_code = "archive_store_unavailable"
