"""The exit statuses of every ``kyso`` command, in one place (docs/cli.md lists them)."""

from __future__ import annotations

from enum import IntEnum


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
