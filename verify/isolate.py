"""Verification of untrusted files in a child process with memory, CPU and time limits.

The parent forks (no re-import, no pickling of the input), the child lowers its own
limits (``RLIMIT_AS``: what it already maps plus ``Limits.max_memory_bytes``; ``RLIMIT_CPU``)
and sends the report back through a pipe. A child that runs out of memory or CPU time dies
or raises ``MemoryError``: the caller gets a report with the ``resource_limit`` finding
(TOTAL_FAILED / FORMAT_FAILURE: the document asked for more than a document may). A child
still running at the wall-clock deadline (``Limits.wall_seconds``) was waiting, not computing: on
revocation servers (each fetch and all of them are bounded, see ``certs.sources``) or on
an overloaded machine. It is killed, and the report says ``verification_incomplete``
(INDETERMINATE / TRY_LATER): a slow network never makes a document look forged.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from multiprocessing.connection import Connection
from pathlib import Path

from common.errors import KysoError
from common.hashing import sha256_bytes
from verify.assemble import Problem, assemble_document
from verify.engine import read_input, utc_now, verify_pdf
from verify.errors import VerificationInputError
from verify.model import DocumentInfo, ValidationReport
from verify.options import VerifyOptions

_MB = 1024 * 1024


def mapped_bytes() -> int:
    """Virtual memory the process already maps (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(conn: Connection, data: bytes, options: VerifyOptions) -> None:
    limits = options.limits
    budget = mapped_bytes() + limits.max_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    cpu = int(limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        conn.send(("report", verify_pdf(data, options)))
    except MemoryError:
        conn.send(("limit", f"more than {limits.max_memory_bytes // _MB} MB of memory"))
    except KysoError as exc:
        conn.send(("error", (exc.code, exc.message)))
    finally:
        conn.close()


def limited_report(
    data: bytes, detail: str, options: VerifyOptions, *, code: str = "resource_limit"
) -> ValidationReport:
    info = DocumentInfo(sha256_bytes(data), len(data), False, 0, 0)
    problem = Problem(code, detail=detail)
    return assemble_document(info, [], [problem], options, utc_now())


def incomplete_report(data: bytes, seconds: float, options: VerifyOptions) -> ValidationReport:
    """No verdict in time, through no fault of the document: INDETERMINATE / TRY_LATER."""
    return limited_report(data, f"{seconds:g} s", options, code="verification_incomplete")


def verify_isolated(source: bytes | Path, options: VerifyOptions) -> ValidationReport:
    """``verify_pdf`` in a forked child under ``options.limits`` (Linux).

    The child is a fork: a caller whose revocation source uses a database should dispose of
    its connection pool first (SQLAlchemy ``engine.dispose()``), so that parent and child
    never share a connection.
    """
    data = read_input(source, options)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, data, options), daemon=True)
    process.start()
    sender.close()
    limits = options.limits
    try:
        wall = limits.wall_seconds()
        if not receiver.poll(wall):
            process.kill()
            return incomplete_report(data, wall, options)
        try:
            kind, value = receiver.recv()
        except EOFError:
            kind, value = "limit", f"the verifier stopped (exit {process.exitcode})"
    finally:
        process.join(timeout=5)
        receiver.close()
    if kind == "report":
        assert isinstance(value, ValidationReport)
        return value
    if kind == "error":
        code, message = value
        raise VerificationInputError(str(code), str(message))
    return limited_report(data, str(value), options)
