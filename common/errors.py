"""The root of kyso's error tree.

Every error a caller can act on carries a stable ``code`` (snake_case, never changes once
released) and a human message. ``api/`` maps each code to one HTTP status in one place.
"""

from __future__ import annotations


class KysoError(Exception):
    """Base class of every error kyso raises on purpose."""

    #: the default code of the class; an instance may carry a more precise one
    default_code = "kyso_error"

    def __init__(self, code: str | None = None, message: str = "") -> None:
        self.code = code or self.default_code
        self.message = message or self.code
        super().__init__(f"{self.code}: {self.message}")

    def __reduce__(self) -> tuple[type[KysoError], tuple[str, str]]:
        # pickled as (code, message): an error raised in a worker process is raised again,
        # with its class (hence its HTTP status), in the process that asked
        return type(self), (self.code, self.message)


class InputError(KysoError):
    """The caller sent something kyso cannot accept (bad format, too large, wrong value)."""

    default_code = "invalid_input"


class NotFoundError(KysoError):
    """The thing asked for does not exist."""

    default_code = "not_found"


class ConflictError(KysoError):
    """The request conflicts with the current state (duplicate, already done, locked)."""

    default_code = "conflict"


class PermissionDeniedError(KysoError):
    """Authenticated, but not allowed to do this."""

    default_code = "forbidden"


class AuthenticationError(KysoError):
    """Wrong credentials (password, PIN, one-time code) or a locked account."""

    default_code = "unauthenticated"


class ExternalServiceError(KysoError):
    """A backend kyso depends on (database, object store, HSM, tesseract) failed."""

    default_code = "backend_unavailable"
