"""SIGTERM stops ``kyso serve`` and everything it started: the PDF worker processes, the fork
server they come from, multiprocessing's resource tracker. No child outlives the server."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from hostile import kyso_serve

from tests.api.apitools import make_pdf

pytestmark = pytest.mark.slow


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process; None when it is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[1]), fields[0]) if fields[0] != "Z" else None


def descendants(root: int) -> set[int]:
    """Every live process below ``root`` (read from /proc: psutil is not a dependency)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = found[0]
    below: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return below


def test_sigterm_leaves_no_process_of_the_server_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with kyso_serve(data, verify_workers="2") as server:
        for _ in range(2):  # the pool starts its workers (and the fork server)
            answer = httpx.post(
                f"{server.url}/api/v1/verify",
                files={"file": ("a.pdf", make_pdf(), "application/pdf")},
                timeout=120,
            )
            assert answer.status_code == 200, answer.text
        started = descendants(server.proc.pid)
        assert len(started) >= 2, started  # at least the fork server and a worker
        server.proc.send_signal(signal.SIGTERM)
        # uvicorn shuts down, then ends itself with the signal it got (no atexit handlers)
        assert server.proc.wait(timeout=60) in (0, -signal.SIGTERM)
        left = {pid for pid in started if _stat(pid) is not None}
        assert left == set(), [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
