"""Errors raised by the PKI."""

from __future__ import annotations

from common.errors import (
    ConflictError,
    ExternalServiceError,
    InputError,
    KysoError,
    NotFoundError,
)


class PkiError(KysoError):
    default_code = "pki_error"


class PkiInputError(InputError, PkiError):
    """Bad input: a malformed CCCD, CSR, request or certificate."""

    default_code = "pki_invalid_input"


class PkiNotFoundError(NotFoundError, PkiError):
    default_code = "pki_not_found"


class PkiConflictError(ConflictError, PkiError):
    default_code = "pki_conflict"


class KeyStoreError(ExternalServiceError, PkiError):
    """The key store (files or HSM) failed or does not hold the key asked for."""

    default_code = "keystore_error"


class RevocationUnreachableError(ExternalServiceError, PkiError):
    """No OCSP response or CRL could be had from a URL."""

    default_code = "revocation_unreachable"
