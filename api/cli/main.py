"""Entry point of the ``kyso`` command."""

from __future__ import annotations

import logging
import os
from typing import NoReturn

import typer

from api.cli.admin import app as admin_app
from api.cli.archive import app as archive_app
from api.cli.exitcodes import ExitCode
from api.cli.ocr import ocr_command
from api.cli.pki import app as pki_app
from api.cli.sign import sign_command
from api.cli.verify import verify_command
from api.cli.verify_print import verify_print_command
from api.cli.worker import worker_command
from api.files import PRIVATE_UMASK
from api.settings import Settings
from common.errors import KysoError

#: exit status of a command refused with a kyso error (bad input, not found, conflict ...)

app = typer.Typer(
    name="kyso",
    help="kyso: chữ ký số, xác minh, số hoá và lưu trữ hồ sơ điện tử "
    "(digital signatures, verification, OCR and archive).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


app.add_typer(pki_app, name="pki")
app.add_typer(admin_app, name="admin")
app.add_typer(archive_app, name="archive")
app.command("ocr")(ocr_command)
app.command("worker")(worker_command)
app.command("sign")(sign_command)
app.command("verify")(verify_command)
app.command("verify-print")(verify_print_command)


@app.callback()
def _root() -> None:
    """kyso: chữ ký số, xác minh, số hoá và lưu trữ hồ sơ điện tử."""


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default KYSO_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (default KYSO_PORT)."),
    workers: int = typer.Option(1, help="Worker processes (each with its own key cache)."),
) -> None:
    """Phục vụ dịch vụ web và API (serve the kyso web service and API)."""
    import uvicorn

    from api.app import create_app
    from api.logs import configure

    settings = Settings()
    configure(settings.log_level, settings.log_format == "json")
    # X-Forwarded-For / -Proto only from KYSO_TRUSTED_PROXIES: uvicorn's default (127.0.0.1)
    # would let anyone on the host, or behind a local tunnel, choose their rate-limit address
    proxies = settings.proxy_list
    if workers > 1:
        create_app(settings)  # migrate and create the PKI once, before the workers start
        uvicorn.run(
            "api.app:create_worker_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_config=None,
            proxy_headers=bool(proxies),
            forwarded_allow_ips=proxies,
        )
        return
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )


def main() -> None:
    os.umask(PRIVATE_UMASK)  # files 0600, folders 0700, whatever the caller's umask
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KysoError as exc:
        _refuse(exc)
    except Exception as exc:
        from api.failures import data_folders, infrastructure_error  # full disk, damaged db

        settings = Settings()
        error = infrastructure_error(exc, data_folders(settings.data_dir,
                                                       settings.resolved_database_url))  # fmt: skip
        if error is None:
            raise  # a bug: the traceback is the report
        logging.getLogger(__name__).debug("%s", exc, exc_info=True)
        _refuse(error)


def _refuse(error: KysoError) -> NoReturn:
    typer.echo(f"lỗi / error [{error.code}]: {error.message}", err=True)
    raise SystemExit(ExitCode.ERROR) from None
