"""The one helper that runs external programs (tesseract, qpdf, pdftoppm, openssl ...)."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from common.errors import ExternalServiceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes


class ProgramError(ExternalServiceError):
    default_code = "program_failed"


def run(
    args: Sequence[str],
    *,
    timeout: float = 60.0,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> Completed:
    """Run ``args`` without a shell, with a timeout; raise ProgramError on failure."""
    try:
        proc = subprocess.run(  # no shell: arguments are a list
            list(args),
            input=input_bytes,
            capture_output=True,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ProgramError("program_missing", f"{args[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise ProgramError("program_timeout", f"{args[0]} took longer than {timeout}s") from exc
    if check and proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip()[-500:]
        log.warning("%s exited %s", args[0], proc.returncode)
        raise ProgramError("program_failed", f"{args[0]} exited {proc.returncode}: {tail}")
    return Completed(proc.returncode, proc.stdout, proc.stderr)
