"""The exchange page (``/officer/exchange``): packages sent and received with their status
trails; an official sends an archived signed PDF to a peer agency, moves an arrival on, or
verifies a held arrival again (its revocation servers answer now?)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.deps import ServicesDep
from api.exchange import send, store, update_status
from api.web.routes import MaybeUser, check_csrf, page
from api.wiring import Services
from common.errors import KysoError
from onestop.exchange.model import LABELS, StatusCode

router = APIRouter(include_in_schema=False)
PATH = "/officer/exchange"
#: what an official may set on an accepted arrival
MOVES = (StatusCode.ASSIGNED, StatusCode.PROCESSING, StatusCode.DONE)


def _allowed(user: User | None) -> bool:
    return user is not None and user.role in (Role.OFFICIAL, Role.ADMIN)


def _show(request: Request, svc: Services, user: User, status: int = 200,
          error: KysoError | None = None) -> HTMLResponse:  # fmt: skip
    exchange = store(svc)
    return page(request, "exchange.html", user, status=status, error=error,
                outbox=exchange.messages("out"), inbox=exchange.messages("in"),
                peers=exchange.peers(), labels=LABELS, moves=MOVES,
                title="Liên thông văn bản")  # fmt: skip


async def _act(
    request: Request,
    svc: Services,
    user: User | None,
    csrf_token: str,
    work: Callable[[User], object],
    then: str = PATH,
) -> Response:
    """A form's action by an official: CSRF checked, ``work`` off the event loop, a refusal
    shown on the page (400), else back to the page (``then``)."""
    check_csrf(request, csrf_token)
    if user is None or not _allowed(user):
        return RedirectResponse(f"/login?next={PATH}", status_code=303)
    try:
        await run_in_threadpool(work, user)
    except KysoError as exc:
        return _show(request, svc, user, status=400, error=exc)
    return RedirectResponse(then, status_code=303)


@router.get(PATH, response_class=HTMLResponse)
def exchange_page(request: Request, svc: ServicesDep, user: MaybeUser) -> Response:
    if user is None or not _allowed(user):
        return RedirectResponse(f"/login?next={PATH}", status_code=303)
    return _show(request, svc, user)


@router.post(f"{PATH}/send", response_class=HTMLResponse)
async def send_form(
    request: Request,
    svc: ServicesDep,
    user: MaybeUser,
    to: Annotated[str, Form(max_length=64)],
    document_id: Annotated[str, Form(max_length=64)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return await _act(request, svc, user, csrf_token, lambda official: send(
        svc, to=to, actor=official.username, document_id=document_id.strip()
    ))  # fmt: skip


@router.post(PATH + "/{message_id}/status", response_class=HTMLResponse)
async def status_form(
    request: Request,
    message_id: str,
    svc: ServicesDep,
    user: MaybeUser,
    code: Annotated[StatusCode, Form()],
    description: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return await _act(request, svc, user, csrf_token, lambda official: update_status(
        svc, message_id, code, description or LABELS[code], official.full_name,
        actor=official.username,
    ))  # fmt: skip


@router.post(PATH + "/{message_id}/reverify", response_class=HTMLResponse)
async def reverify_form(
    request: Request,
    message_id: str,
    svc: ServicesDep,
    user: MaybeUser,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A held arrival verified again now: archived (03), refused (02) or still held."""
    from api.exchange_retry import reverify

    return await _act(request, svc, user, csrf_token, lambda _official: reverify(svc, message_id),
                      then=f"{PATH}#m-{message_id}")  # fmt: skip
