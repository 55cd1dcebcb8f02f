"""The exit statuses of every ``kyso`` command, in one place (docs/cli.md lists them)."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verify.model import ValidationReport


class ExitCode(IntEnum):
    #: done; ``kyso verify``: TOTAL_PASSED; ``kyso verify-print``: the copy matches
    OK = 0
    #: ``kyso verify``: TOTAL_FAILED; ``verify-print``: changed; ``archive audit``/``log
    #: verify``: problems found
    FAILED = 1
    #: ``kyso verify``: INDETERMINATE; ``verify-print``: cannot say
    INDETERMINATE = 2
    #: ``kyso verify``: not a readable PDF, or one over the safe limits
    UNREADABLE = 3
    #: a kyso error (``lỗi / error [code]: message`` on stderr), a refused input
    ERROR = 4


def exit_status(report: ValidationReport) -> ExitCode:
    """``kyso verify``'s status for one report: OK passed, FAILED failed, INDETERMINATE
    otherwise, UNREADABLE not a PDF or one over the limits."""
    from verify.model import Indication

    if not report.document.readable and report.indication is Indication.TOTAL_FAILED:
        return ExitCode.UNREADABLE  # not a PDF, or one over the limits (resource_limit)
    if report.indication is Indication.TOTAL_PASSED:
        return ExitCode.OK
    failed = report.indication is Indication.TOTAL_FAILED
    return ExitCode.FAILED if failed else ExitCode.INDETERMINATE
