"""Errors of the one-stop-shop workflow, with stable codes (``api/errors.py`` maps them to
HTTP through their classes: not found 404, conflict 409, forbidden 403)."""

from __future__ import annotations

from common.errors import (
    ConflictError,
    InputError,
    KysoError,
    NotFoundError,
    PermissionDeniedError,
)


class OnestopError(KysoError):
    """The root of the workflow's errors."""

    default_code = "onestop_error"


class DossierNotFoundError(NotFoundError, OnestopError):
    """No such dossier, or one the asker may not see (both answered alike)."""

    default_code = "dossier_unknown"


class DossierStateError(ConflictError, OnestopError):
    """The dossier's status does not allow this step (an illegal transition)."""

    default_code = "dossier_transition_illegal"


class DossierConflictError(ConflictError, OnestopError):
    """A step the status allows but something else is missing (a certificate, a seal)."""

    default_code = "dossier_conflict"


class DossierForbiddenError(PermissionDeniedError, OnestopError):
    default_code = "forbidden"


class TemplateInputError(InputError, OnestopError):
    """A result template asked for that does not exist, or fields it does not take."""

    default_code = "template_input_invalid"
