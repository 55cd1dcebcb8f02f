"""The printed-copy check in the browser: upload a scan or take a photo with the phone's camera
(``/verify/print``, and ``/v/{code}/print`` from the QR landing page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from api.accounts.service import User
from api.deps import ServicesDep, client_address, optional_user
from api.errors import status_for
from api.printcheck.html import verdict_text
from api.printcheck.runner import check_upload
from api.printcheck.schemas import print_check_public
from api.printcheck.texts import print_texts
from api.web.routes import _lang, check_csrf, page
from common.errors import InputError, KysoError

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]
CODE = r"^[A-Za-z0-9_-]{0,64}$"


def _form(request: Request, user: User | None, code: str, status: int = 200,
          error: KysoError | None = None) -> HTMLResponse:  # fmt: skip
    p = print_texts(_lang(request))
    return page(request, "print_upload.html", user, status=status, p=p, code=code, error=error,
                title=p["print_title"])  # fmt: skip


@router.get("/verify/print", response_class=HTMLResponse)
def print_form(request: Request, user: MaybeUser) -> HTMLResponse:
    return _form(request, user, "")


@router.get("/v/{code}/print", response_class=HTMLResponse)
def print_form_for(request: Request, code: str, user: MaybeUser) -> HTMLResponse:
    return _form(request, user, code if len(code) <= 64 and code.isascii() else "")


async def _check(
    request: Request,
    svc: ServicesDep,
    user: User | None,
    code: str,
    photo: UploadFile | None,
    file: UploadFile | None,
    csrf: str,
) -> HTMLResponse:
    check_csrf(request, csrf)
    upload = next((u for u in (photo, file) if u is not None and u.filename), None)
    try:
        if upload is None:
            raise InputError("print_scan_empty", "take a photo or choose a file")
        svc.rate_limiter.check("verify", client_address(request))
        check = await check_upload(request, svc, upload, code or None)
    except KysoError as exc:
        return _form(request, user, code, status=status_for(exc), error=exc)
    answer = print_check_public(check, pictures=True)
    lang = _lang(request)
    p = print_texts(lang)
    return page(request, "print_result.html", user, p=p, check=answer, title=p["print_title"],
                verdict_text=verdict_text(answer.original.indication, lang))  # fmt: skip


@router.post("/verify/print", response_class=HTMLResponse)
async def print_upload(
    request: Request,
    svc: ServicesDep,
    user: MaybeUser,
    code: Annotated[str, Form(max_length=64, pattern=CODE)] = "",
    photo: UploadFile | None = None,
    file: UploadFile | None = None,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    return await _check(request, svc, user, code, photo, file, csrf_token)


@router.post("/v/{code}/print", response_class=HTMLResponse)
async def print_upload_for(
    request: Request,
    code: str,
    svc: ServicesDep,
    user: MaybeUser,
    photo: UploadFile | None = None,
    file: UploadFile | None = None,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    valid = len(code) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in code)
    return await _check(request, svc, user, code if valid else "", photo, file, csrf_token)
