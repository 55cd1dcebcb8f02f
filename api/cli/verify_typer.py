"""``kyso verify`` under typer (``kyso`` as a library, ``typer.testing.CliRunner``): the
arguments go as they are to the command's own parser (``api.cli.verify``)."""

from __future__ import annotations

import typer


def verify_command(ctx: typer.Context) -> None:
    """Xác minh chữ ký số: verify the signatures of a PDF (ETSI EN 319 102-1 report)."""
    from api.cli.verify import run_verify

    run_verify(list(ctx.args))
