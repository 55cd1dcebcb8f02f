"""One place that turns kyso's error codes into HTTP statuses and JSON error bodies.

Under ``/csc/`` (the Cloud Signature Consortium API) the body has the CSC shape,
``{"error": code, "error_description": message}``, with the same codes and statuses; a request
that does not fit the schema is 400 ``invalid_request`` there, as CSC says.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.failures import data_folders, infrastructure_error
from common.errors import (
    AuthenticationError,
    ConflictError,
    ExternalServiceError,
    InputError,
    KysoError,
    NotFoundError,
    PermissionDeniedError,
)

log = logging.getLogger(__name__)

#: codes whose status differs from their class's
CODE_STATUS: dict[str, int] = {
    "upload_too_large": 413,
    "rate_limited": 429,
    "unsupported_media_type": 415,
    "account_locked": 423,
    "storage_full": 507,
    # a bag that is not what its manifests say: the sender's bag, not kyso's storage
    "archive_bag_fixity_failed": 400,
    "archive_bag_incomplete": 400,
}

CLASS_STATUS: tuple[tuple[type[KysoError], int], ...] = (
    (InputError, 400),
    (NotFoundError, 404),
    (ConflictError, 409),
    (PermissionDeniedError, 403),
    (AuthenticationError, 401),
    (ExternalServiceError, 503),
)


def status_for(error: KysoError) -> int:
    if error.code in CODE_STATUS:
        return CODE_STATUS[error.code]
    for cls, status in CLASS_STATUS:
        if isinstance(error, cls):
            return status
    return 500


CSC_PREFIX = "/csc/"


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def _answer(request: Request, code: str, message: str, status: int) -> JSONResponse:
    if request.url.path.startswith(CSC_PREFIX):
        return JSONResponse({"error": code, "error_description": message}, status_code=status)
    return JSONResponse(error_body(code, message), status_code=status)


async def _kyso_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KysoError)
    status = status_for(exc)
    if status >= 500:
        log.error("backend failure: %s", exc.code)
    return _answer(request, exc.code, exc.message, status)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = ", ".join(".".join(str(p) for p in err.get("loc", ())) for err in exc.errors())
    status = 400 if request.url.path.startswith(CSC_PREFIX) else 422
    return _answer(request, "invalid_request", f"invalid fields: {fields}", status)


#: Starlette's own answers by status; anything else it raises is a request that does not fit
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def _http_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own answers (no such path, wrong method, a multipart body it cannot parse)
    in kyso's error shape (CSC-shaped under ``/csc/``), with a stable code like every other
    error; its headers (``Allow`` of a 405) are kept."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code < 400:
        return await http_exception_handler(request, exc)
    code = HTTP_CODES.get(exc.status_code, "invalid_request")
    answer = _answer(request, code, str(exc.detail), exc.status_code)
    answer.headers.update(exc.headers or {})
    return answer


async def _infrastructure_handler(request: Request, exc: Exception) -> JSONResponse:
    settings = request.app.state.settings
    error = infrastructure_error(
        exc, data_folders(settings.data_dir, settings.resolved_database_url)
    )
    if error is None:
        raise exc
    log.error("backend failure: %s (%s)", error.code, type(exc).__name__)
    return _answer(request, error.code, error.message, status_for(error))


def install_error_handlers(app: FastAPI) -> None:
    from sqlalchemy.exc import DBAPIError

    app.add_exception_handler(KysoError, _kyso_error_handler)
    app.add_exception_handler(OSError, _infrastructure_handler)
    app.add_exception_handler(DBAPIError, _infrastructure_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
