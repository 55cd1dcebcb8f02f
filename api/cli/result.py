"""``kyso result``: results from templates (Decree 30/2020 layouts) and the agencies'
document registers. ``render`` previews (no number taken); ``issue`` numbers, seals, signs,
archives and returns the dossier, as the official ``--official`` (who must be one of the
dossier's agency, or an admin)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from api.settings import Settings
from common.errors import InputError

if TYPE_CHECKING:
    from api.accounts.service import User
    from api.wiring import Services

app = typer.Typer(
    help="Kết quả theo mẫu (result templates): preview, issue, and the document registers."
)

FIELD_HELP = (
    "A field as NAME=VALUE (repeat it; \\n for a new line). `kyso result templates` lists them."
)
FIELD_FILE_HELP = "A field from a file as NAME=PATH (e.g. articles=articles.txt)."


def _fields(pairs: list[str], files: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError("template_field_malformed", f"--field {pair!r}: NAME=VALUE")
        fields[name.strip()] = value.replace("\\n", "\n")
    for pair in files:
        name, sep, path = pair.partition("=")
        if not sep or not Path(path).is_file():
            raise InputError("template_field_malformed", f"--field-file {pair!r}: NAME=PATH")
        fields[name.strip()] = Path(path).read_text(encoding="utf-8")
    return fields


def _official(services: Services, username: str) -> User:
    user = services.accounts.by_username(username)
    if user.role.value not in ("official", "admin"):
        raise InputError("not_an_official", f"{username} is not an official")
    return user


@app.command("templates")
def templates_command() -> None:
    """Các mẫu kết quả và trường (the templates and their fields)."""
    from onestop.templates.spec import TEMPLATES

    for spec in TEMPLATES.values():
        typer.echo(f"{spec.name} ({spec.doc_type}): {spec.description}")
        for f in spec.fields:
            mark = "*" if f.required else " "
            typer.echo(f"  {mark} {f.name:17} {f.label}")


@app.command("render")
def render_command(
    dossier: str = typer.Option(..., "--dossier", help="Mã hồ sơ (dossier code)."),
    template: str = typer.Option(
        ..., "--template", help="decision, certificate, confirmation, letter."
    ),
    official: str = typer.Option(..., "--official", help="The official (username) who will sign."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the preview PDF."),
    field: list[str] = typer.Option([], "--field", "-f", help=FIELD_HELP),
    field_file: list[str] = typer.Option([], "--field-file", help=FIELD_FILE_HELP),
) -> None:
    """Xem trước kết quả (preview: unsigned, no number taken from the register)."""
    from api.results import result_desk
    from api.wiring import build_services

    fields = _fields(field, field_file)
    services = build_services(Settings())
    try:
        person = _official(services, official)
        rendered = asyncio.run(result_desk(services).preview(dossier, person, template, fields))
    finally:
        services.close()
    output.write_bytes(rendered.pdf)
    typer.echo(f"{output}: {rendered.pages} page(s), preview (no number taken)")


@app.command("issue")
def issue_command(
    dossier: str = typer.Option(..., "--dossier", help="Mã hồ sơ (dossier code)."),
    template: str = typer.Option(
        ..., "--template", help="decision, certificate, confirmation, letter."
    ),
    official: str = typer.Option(..., "--official", help="The official (username) who signs."),
    field: list[str] = typer.Option([], "--field", "-f", help=FIELD_HELP),
    field_file: list[str] = typer.Option([], "--field-file", help=FIELD_FILE_HELP),
    output: Path | None = typer.Option(None, "-o", "--output", help="Also write the signed PDF."),
) -> None:
    """Ban hành kết quả: number, seal, sign, archive and return the dossier."""
    from api.dossiers import dossier_desk
    from api.results import result_desk
    from api.wiring import build_services

    fields = _fields(field, field_file)
    services = build_services(Settings())
    try:
        person = _official(services, official)
        issued = asyncio.run(result_desk(services).issue(dossier, person, template, fields))
        if output is not None:
            pdf = dossier_desk(services).result_pdf(dossier, person)
            assert pdf is not None
            output.write_bytes(pdf)
    finally:
        services.close()
    typer.echo(f"{dossier}: {issued.notation} issued ({issued.dossier.result_document})")


@app.command("register")
def register_command(
    agency: str = typer.Option(..., "--agency", help="The agency, as its dossiers name it."),
    doc_type: str = typer.Option(..., "--type", help="QĐ, GCN, GXN or CV."),
    year: int = typer.Option(..., "--year", help="The register's year."),
) -> None:
    """Sổ đăng ký văn bản: the numbers of one agency's register (type, year)."""
    from api.results import result_desk
    from api.wiring import build_services
    from onestop.numbering import RegisterKey, number_text

    services = build_services(Settings())
    try:
        entries = result_desk(services).register.entries(RegisterKey(agency, doc_type, year))
    finally:
        services.close()
    for e in entries:
        moment = e.issued_at.isoformat() if e.issued_at else ""
        typer.echo(
            f"{number_text(e.number):>5}  {e.state:8}  {e.dossier_code or '':14}"
            f"  {e.document_id or '':34}  {moment}"
        )
