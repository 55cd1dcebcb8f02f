"""Entry point of the ``kyso`` command: ``kyso verify`` runs straight away (argparse), every
other command through typer (``api.cli.app``)."""

from __future__ import annotations

import atexit
import gc
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
            # start-up (imports, settings, trust) makes ~60,000 objects that live until the
            # end: the cyclic collector would walk them again and again for no garbage (about
            # 0.1 s); run_verify turns it back on (and freezes them) before the verification
            gc.disable()
            from api.cli.verify import run_verify

            try:
                run_verify(sys.argv[2:])
            except SystemExit as done:
                _end_now(done.code)
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


def _end_now(code: object) -> NoReturn:
    """Ends ``kyso verify`` with ``code`` as ``sys.exit`` would, less the interpreter's
    teardown (0.15-0.2 s: a last collection and every module's objects freed one by one, for
    a process about to end): the exit handlers run (logging flushed, multiprocessing's
    children reaped), the output is flushed, then the process ends. Nothing is left to write:
    the report and its files are written and closed, the verifier child has ended."""
    if isinstance(code, str):  # sys.exit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
    status = code if isinstance(code, int) else (0 if code is None else 1)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what the interpreter's exit says
            status = status or 120
    os._exit(status)


def _refuse(error: KysoError) -> NoReturn:
    print(f"lỗi / error [{error.code}]: {error.message}", file=sys.stderr)
    raise SystemExit(ExitCode.ERROR) from None
