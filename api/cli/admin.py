"""``kyso admin``: accounts and API keys."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from api.settings import Settings
from api.wiring import Services
from common.errors import InputError

app = typer.Typer(help="Quản trị (administration): accounts and API keys.")


@app.command("create-user")
def create_user(
    username: str = typer.Option(..., help="Login name (a-z 0-9 . _ -)."),
    role: str = typer.Option(..., help="citizen|official|archivist|auditor|admin|agency"),
    full_name: str = typer.Option(..., help="Họ và tên."),
    agency: str | None = typer.Option(None, help="Cơ quan (required for officials)."),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
) -> None:
    """Tạo tài khoản (create an account). The password is asked for, never an argument."""
    from api.accounts.service import Role

    try:
        chosen = Role(role)
    except ValueError as exc:
        raise InputError("role_invalid", f"role must be one of {[r.value for r in Role]}") from exc
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Mật khẩu / password", hide_input=True, confirmation_prompt=True)
    user = Services(Settings()).accounts.create_user(username, password, chosen, full_name, agency)
    typer.echo(user.id)


@app.command("api-key")
def api_key(
    username: str = typer.Argument(..., help="The account the key acts as (role agency)."),
    label: str = typer.Option(..., help="What the key is for, e.g. the other agency's system."),
) -> None:
    """Cấp khoá API cho hệ thống cơ quan khác (prints the key once; it is stored hashed)."""
    accounts = Services(Settings()).accounts
    user = accounts.by_username(username)
    typer.echo(accounts.issue_token(user, "apikey", label))


@app.command("bind-certificate")
def bind_certificate(
    username: str = typer.Argument(..., help="The official's account."),
    serial: str = typer.Argument(..., help="Serial of the official's certificate (kyso pki)."),
) -> None:
    """Gắn chứng thư ký cho cán bộ (the certificate an official signs results with)."""
    services = Services(Settings())
    record = services.pki.get(serial)
    if record.profile != "official":
        raise InputError("certificate_not_official", "that certificate is not an official's")
    services.accounts.bind_certificate(username, record.serial)
    typer.echo(f"{username} -> {record.serial}")


@app.command()
def backup(
    out: Path = typer.Option(..., "--out", "-o", help="The .tar.gz file to write."),
    include_secrets: bool = typer.Option(
        False, help="Also the local secrets (development key passphrase): keep it safe."
    ),
) -> None:
    """Sao lưu (catalog, folder object store, key files) into one file."""
    from api.backup import backup as make_backup

    report = make_backup(Settings(), out, include_secrets=include_secrets)
    typer.echo(f"{report.path}: {', '.join(report.members)}")


@app.command()
def restore(source: Path = typer.Argument(..., exists=True, help="A kyso backup file.")) -> None:
    """Khôi phục vào thư mục dữ liệu trống (restore into an empty KYSO_DATA_DIR)."""
    from api.backup import restore as do_restore

    typer.echo("restored: " + ", ".join(do_restore(Settings(), source)))
