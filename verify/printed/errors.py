"""Errors of the printed-copy check, with stable codes (``api/errors.py`` maps them by class).

Codes: ``print_scan_unsupported``, ``print_scan_empty``, ``print_scan_too_large``,
``print_too_many_pages``, ``print_scan_unreadable``, ``print_scan_resource_limit``,
``print_qr_not_found``, ``print_qr_ambiguous`` (``PrintScanError``, 400);
``print_code_unknown`` (``PrintOriginalMissing``, 404); ``print_original_not_public``
(``PrintOriginalRestricted``, 403); ``print_original_unreadable`` (``PrintScanError``);
``print_busy``, ``print_reader_failed`` (``PrintReaderError``, 503).
"""

from __future__ import annotations

from common.errors import ExternalServiceError, InputError, NotFoundError, PermissionDeniedError
from verify.errors import VerificationError


class PrintScanError(VerificationError, InputError):
    """The scan cannot be checked as given (format, size, pages, no QR code)."""

    default_code = "print_scan_invalid"


class PrintOriginalMissing(VerificationError, NotFoundError):
    """The code on the paper names no archived original here."""

    default_code = "print_code_unknown"


class PrintOriginalRestricted(VerificationError, PermissionDeniedError):
    """The original exists but is not public: its text is not compared for anyone."""

    default_code = "print_original_not_public"


class PrintReaderError(VerificationError, ExternalServiceError):
    """The scan reader (its process, the OCR engine) failed or is busy."""

    default_code = "print_reader_failed"
