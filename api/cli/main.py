"""Entry point of the ``kyso`` command."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from api.cli.exitcodes import ExitCode
from api.files import PRIVATE_UMASK
from common.errors import KysoError

#: the commands, each imported only when it runs (``kyso --help`` imports none of them):
#: name -> (module, attribute: a function or a ``typer.Typer``, the line ``--help`` shows).
#: tests/api/test_cli_startup.py checks each line is the command's own help.
COMMANDS = {
    "ocr": ("api.cli.ocr", "ocr_command",
            "Số hoá: OCR a scan into a searchable PDF/A-2b (Vietnamese text layer, sidecar text)."),
    "worker": ("api.cli.worker", "worker_command",
               "Chạy tiến trình xử lý nền (run background workers; needs KYSO_REDIS_URL)."),
    "sign": ("api.cli.sign", "sign_command",
             "Ký số tệp PDF (PAdES) / sign a PDF, or extend a signed one (--extend FILE --to "
             "B-LTA)."),
    "verify": ("api.cli.verify", "verify_command",
               "Xác minh chữ ký số: verify the signatures of a PDF (ETSI EN 319 102-1 report)."),
    "verify-print": ("api.cli.verify_print", "verify_print_command",
                     "Kiểm tra bản in: compare a printed result with its archived, signed "
                     "original."),
}  # fmt: skip
GROUPS = {
    "pki": ("api.cli.pki", "app", "Hạ tầng khoá công khai (PKI): CA, cấp và thu hồi chứng thư số."),
    "admin": ("api.cli.admin", "app", "Quản trị (administration): accounts and API keys."),
    "archive": ("api.cli.archive", "app",
                "Lưu trữ hồ sơ điện tử (archive): bản gốc bất biến, kiểm tra toàn vẹn."),
}  # fmt: skip


def load_command(name: str) -> Any:
    """The click command of a lazily registered ``name`` (its module imported now)."""
    module, attribute, _ = {**COMMANDS, **GROUPS}[name]
    target = getattr(importlib.import_module(module), attribute)
    command: Any
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class _LazyGroup(TyperGroup):
    """kyso's top level: commands are imported when they run; the help lists them unloaded."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *super().list_commands(ctx), *GROUPS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in {**COMMANDS, **GROUPS}:
            return found
        if self._listing:  # only its name and line are shown
            return TyperCommand(cmd_name, help={**COMMANDS, **GROUPS}[cmd_name][2])
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


#: exit status of a command refused with a kyso error (bad input, not found, conflict ...)

app = typer.Typer(
    name="kyso",
    help="kyso: chữ ký số, xác minh, số hoá và lưu trữ hồ sơ điện tử "
    "(digital signatures, verification, OCR and archive).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_LazyGroup,
)


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
    from api.settings import Settings

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
    # kyso never runs httpx's own command line, which httpx imports (click, rich, pygments:
    # 0.1 s) inside ``try: ... except ImportError``; None in sys.modules makes that import fail
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    os.umask(PRIVATE_UMASK)  # files 0600, folders 0700, whatever the caller's umask
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KysoError as exc:
        _refuse(exc)
    except Exception as exc:
        from api.failures import data_folders, infrastructure_error  # full disk, damaged db
        from api.settings import Settings

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
