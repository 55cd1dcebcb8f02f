"""The official's page for a result from a template: choose a template, fill its fields,
preview (a PDF in a new tab, no number taken), issue (numbered, sealed, signed, returned)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.accounts.service import Role, User
from api.deps import ServicesDep
from api.dossiers import dossier_desk
from api.results import AccountNames, result_desk
from api.web.routes import MaybeUser, check_csrf, page
from api.wiring import Services
from common.errors import KysoError
from onestop.templates.spec import TEMPLATES, ResultTemplate

router = APIRouter(include_in_schema=False)

TEXTS = {
    "vi": {
        "heading": "Kết quả theo mẫu cho hồ sơ",
        "template": "Mẫu văn bản",
        "choose": "Chọn mẫu",
        "preview": "Xem trước (PDF)",
        "issue": "Cấp số, ký, đóng dấu và trả kết quả",
        "issued": "Đã ban hành văn bản số",
        "citizen": "Người nộp",
        "back": "Về danh sách hồ sơ",
    },
    "en": {
        "heading": "Result from a template for dossier",
        "template": "Template",
        "choose": "Choose",
        "preview": "Preview (PDF)",
        "issue": "Number, sign, seal and return",
        "issued": "Issued as number",
        "citizen": "Applicant",
        "back": "Back to the dossiers",
    },
}
FIELD_PREFIX = "f_"


def _spec(name: str | None) -> ResultTemplate:
    return TEMPLATES.get(name or "", TEMPLATES["decision"])


def _form(
    request: Request,
    svc: Services,
    user: User,
    code: str,
    spec: ResultTemplate,
    values: dict[str, str],
    status: int = 200,
    **extra: object,
) -> Response:
    dossier = dossier_desk(svc).get(code, user)
    lang = request.query_params.get("lang") or request.cookies.get("kyso_lang") or "vi"
    context: dict[str, object] = {
        "dossier": dossier,
        "citizen": AccountNames(svc).full_name(dossier.owner),
        "specs": list(TEMPLATES.values()),
        "spec": spec,
        "values": values,
        "rt": TEXTS.get(lang, TEXTS["vi"]),
        **extra,
    }
    return page(request, "result_form.html", user, status, context)


async def _posted(request: Request) -> tuple[ResultTemplate, dict[str, str], str]:
    form = await request.form()
    spec = _spec(str(form.get("template", "")))
    values = {
        key.removeprefix(FIELD_PREFIX): str(value)
        for key, value in form.items()
        if key.startswith(FIELD_PREFIX) and isinstance(value, str)
    }
    return spec, values, str(form.get("csrf_token", ""))


def _official(user: User | None) -> bool:
    return user is not None and user.role in (Role.OFFICIAL, Role.ADMIN)


@router.get("/officer/dossiers/{code}/template", response_class=HTMLResponse)
def result_form(
    request: Request, code: str, svc: ServicesDep, user: MaybeUser, template: str = "decision"
) -> Response:
    if user is None or not _official(user):
        return RedirectResponse(f"/login?next=/officer/dossiers/{code}/template", status_code=303)
    try:
        return _form(request, svc, user, code, _spec(template), {})
    except KysoError:
        return RedirectResponse("/officer/dossiers", status_code=303)


async def _officer_posts(
    request: Request,
    code: str,
    svc: Services,
    user: User | None,
    act: Callable[[User, ResultTemplate, dict[str, str]], Awaitable[Response]],
) -> Response:
    """A posted template form: its CSRF token checked, an official's (or admin's) only; a
    refusal of ``act`` shows the form again with the reason."""
    spec, values, csrf = await _posted(request)
    check_csrf(request, csrf)
    if user is None or not _official(user):
        return RedirectResponse("/login?next=/officer/dossiers", status_code=303)
    try:
        return await act(user, spec, values)
    except KysoError as exc:
        return _form(request, svc, user, code, spec, values, 400, error=exc)


@router.post("/officer/dossiers/{code}/template/preview", response_class=Response)
async def preview(request: Request, code: str, svc: ServicesDep, user: MaybeUser) -> Response:
    async def pdf(official: User, spec: ResultTemplate, values: dict[str, str]) -> Response:
        rendered = await result_desk(svc).preview(code, official, spec.name, values)
        disposition = f'inline; filename="{code}-preview.pdf"'
        return Response(
            rendered.pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
        )

    return await _officer_posts(request, code, svc, user, pdf)


@router.post("/officer/dossiers/{code}/template/issue", response_class=HTMLResponse)
async def issue(request: Request, code: str, svc: ServicesDep, user: MaybeUser) -> Response:
    async def issued(official: User, spec: ResultTemplate, values: dict[str, str]) -> Response:
        done = await result_desk(svc).issue(code, official, spec.name, values)
        return _form(request, svc, official, code, spec, values, issued=done)

    return await _officer_posts(request, code, svc, user, issued)
