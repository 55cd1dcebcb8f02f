"""The ``kyso`` command line under typer: every command but ``kyso verify`` run as a process
(``api.cli.main`` dispatches that one without typer, which it does not need)."""

from __future__ import annotations

import importlib
import os
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from api.cli.commands import COMMANDS, GROUPS, OWN_PARSER


def load_command(name: str) -> Any:
    """The click command of a lazily registered ``name`` (its module imported now)."""
    module, attribute, _ = {**COMMANDS, **GROUPS}[name]
    target = getattr(importlib.import_module(module), attribute)
    command: Any
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        own = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
        single.command(name, context_settings=own if name in OWN_PARSER else None)(target)
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

    # the workers (and the public URL when it is not set) read the address from KYSO_HOST and
    # KYSO_PORT: the options are passed on that way
    if host is not None:
        os.environ["KYSO_HOST"] = host
    if port is not None:
        os.environ["KYSO_PORT"] = str(port)
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
