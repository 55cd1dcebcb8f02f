"""``kyso admin``: accounts and API keys."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from api.settings import Settings
from common.errors import InputError

if TYPE_CHECKING:
    from api.accounts.service import Accounts

app = typer.Typer(help="Quản trị (administration): accounts and API keys.")


def _accounts() -> Accounts:
    """The accounts alone: the database opened (and migrated: the start-up step)."""
    from api.accounts.service import Accounts
    from api.build import open_database
    from common.clock import SystemClock

    return Accounts(open_database(Settings()), SystemClock())


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
    user = _accounts().create_user(username, password, chosen, full_name, agency)
    typer.echo(user.id)


@app.command("api-key")
def api_key(
    username: str = typer.Argument(..., help="The account the key acts as (role agency)."),
    label: str = typer.Option(..., help="What the key is for, e.g. the other agency's system."),
) -> None:
    """Cấp khoá API cho hệ thống cơ quan khác (prints the key once; it is stored hashed)."""
    accounts = _accounts()
    user = accounts.by_username(username)
    typer.echo(accounts.issue_token(user, "apikey", label))


@app.command("bind-certificate")
def bind_certificate(
    username: str = typer.Argument(..., help="The official's account."),
    serial: str = typer.Argument(..., help="Serial of the official's certificate (kyso pki)."),
) -> None:
    """Gắn chứng thư ký cho cán bộ (the certificate an official signs results with)."""
    from api.wiring import build_services

    services = build_services(Settings())
    record = services.pki.get(serial)
    if record.profile != "official":
        raise InputError("certificate_not_official", "that certificate is not an official's")
    services.accounts.bind_certificate(username, record.serial)
    typer.echo(f"{username} -> {record.serial}")


def _backup_passphrase(settings: Settings, passphrase_file: Path | None, *, confirm: bool) -> bytes:
    """The operator's backup passphrase: a file, KYSO_BACKUP_PASSPHRASE or a prompt."""
    if passphrase_file is not None:
        return passphrase_file.read_bytes().rstrip(b"\r\n")
    if settings.backup_passphrase is not None:
        return settings.backup_passphrase.get_secret_value().encode()
    if not sys.stdin.isatty():
        raise InputError(
            "backup_passphrase_required",
            "give --passphrase-file, KYSO_BACKUP_PASSPHRASE or run on a terminal",
        )
    text = typer.prompt("Mật khẩu sao lưu / backup passphrase", hide_input=True,
                        confirmation_prompt=confirm)  # fmt: skip
    return str(text).encode()


PASSPHRASE_FILE = typer.Option(
    None, "--passphrase-file", exists=True, dir_okay=False,
    help="File holding the passphrase that seals the secrets (else KYSO_BACKUP_PASSPHRASE or "
    "a prompt).",
)  # fmt: skip


@app.command()
def backup(
    out: Path = typer.Option(..., "--out", "-o", help="The .tar.gz file to write (mode 0600)."),
    include_secrets: bool = typer.Option(
        False, help="Also the key files and local secrets, sealed with a passphrase you give."
    ),
    passphrase_file: Path | None = PASSPHRASE_FILE,
) -> None:
    """Sao lưu (catalog, folder object store, key files) into one file."""
    from api.backup import backup as make_backup

    settings = Settings()
    passphrase = None
    if include_secrets:
        passphrase = _backup_passphrase(settings, passphrase_file, confirm=True)
    report = make_backup(settings, out, include_secrets=include_secrets, passphrase=passphrase)
    typer.echo(f"{report.path}: {', '.join(report.members)}")


@app.command()
def restore(
    source: Path = typer.Argument(..., exists=True, dir_okay=False, help="A kyso backup file."),
    passphrase_file: Path | None = PASSPHRASE_FILE,
) -> None:
    """Khôi phục vào thư mục dữ liệu trống (restore into an empty KYSO_DATA_DIR)."""
    from api.backup import needs_passphrase
    from api.backup import restore as do_restore

    settings = Settings()
    passphrase = None
    if needs_passphrase(source):
        passphrase = _backup_passphrase(settings, passphrase_file, confirm=False)
    typer.echo("restored: " + ", ".join(do_restore(settings, source, passphrase=passphrase)))
