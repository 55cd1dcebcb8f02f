"""Entry point of the ``kyso`` command: ``kyso verify`` runs straight away (argparse), every
other command through typer (``api.cli.app``)."""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

from api.cli.exitcodes import ExitCode
from api.files import PRIVATE_UMASK
from common.errors import KysoError


def main() -> None:
    # kyso never runs httpx's own command line, which httpx imports (click, rich, pygments:
    # 0.1 s) inside ``try: ... except ImportError``; None in sys.modules makes that import fail
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    os.umask(PRIVATE_UMASK)  # files 0600, folders 0700, whatever the caller's umask
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if sys.argv[1:2] == ["verify"]:  # the command a bank counter or a script waits for
            from api.cli.verify import run_verify

            run_verify(sys.argv[2:])
        from api.cli.app import app

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
    print(f"lỗi / error [{error.code}]: {error.message}", file=sys.stderr)
    raise SystemExit(ExitCode.ERROR) from None
