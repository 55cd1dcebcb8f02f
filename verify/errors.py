"""Errors of ``verify/``: stable codes that ``api/`` maps to HTTP statuses and exit codes."""

from __future__ import annotations

from common.errors import ExternalServiceError, InputError, KysoError


class VerificationError(KysoError):
    """The root of verification's errors."""

    default_code = "verification_failed"


class VerificationInputError(VerificationError, InputError):
    """The caller's input or options cannot be used (not: the document failed validation).

    Codes: ``verify_file_missing``, ``verify_too_large``, ``verify_policy_invalid``,
    ``verify_trust_invalid``, ``verify_time_invalid``, ``verify_resource_limit``,
    ``verify_timeout``, ``verify_output_unwritable``.
    """

    default_code = "verify_input_invalid"


class ReportRenderError(VerificationError, ExternalServiceError):
    """A human report (HTML to PDF, sealing) could not be produced."""

    default_code = "verify_report_failed"
