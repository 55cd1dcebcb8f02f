"""Errors raised while signing, with stable codes (``api/errors.py`` maps them to HTTP)."""

from __future__ import annotations

from common.errors import (
    AuthenticationError,
    ConflictError,
    ExternalServiceError,
    InputError,
    KysoError,
    NotFoundError,
    PermissionDeniedError,
)


class SigningError(KysoError):
    """Signing failed for a reason that is not the caller's input."""

    default_code = "signing_failed"


class SigningInputError(InputError, SigningError):
    """The document or request cannot be signed: not a PDF, encrypted, broken, bad box ..."""

    default_code = "signing_invalid_input"


class WeakAlgorithmError(SigningInputError):
    """Key or digest below Circular 15/2025/TT-BKHCN (RSA >= 2048, ECDSA >= P-256, SHA-256+)."""

    default_code = "signing_weak_algorithm"


class SigningNotFoundError(NotFoundError, SigningError):
    default_code = "signing_not_found"


class SigningConflictError(ConflictError, SigningError):
    """The document's state forbids this (e.g. DocMDP forbids another signature)."""

    default_code = "signing_conflict"


class SigningBackendError(ExternalServiceError, SigningError):
    """The key store, time-stamp authority or revocation source failed."""

    default_code = "signing_backend_unavailable"


class RemoteAuthError(AuthenticationError, SigningError):
    """Wrong PIN or one-time code, replayed or expired code, locked credential."""

    default_code = "remote_auth_failed"


class AuthorizationScopeError(PermissionDeniedError, SigningError):
    """A signature activation (SAD) used outside what it authorised."""

    default_code = "remote_sad_invalid"
