"""SIGTERM stops ``kyso serve`` and everything it started: the PDF worker processes, the fork
server they come from, multiprocessing's resource tracker. No child outlives the server."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest
from hostile import kyso_serve

from tests.api.apitools import make_pdf
from tests.serving import free_port, start_serve

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


def test_ctrl_c_stops_the_server_quietly_and_it_comes_back_on_its_data(tmp_path: Path) -> None:
    """Ctrl-C in the terminal of ``make run`` is SIGINT to the whole foreground process group:
    the PDF workers get it too. They leave the stopping to the server (no KeyboardInterrupt
    traceback of theirs in the output), nothing is left running, and the next start serves
    the same data."""
    data = tmp_path / "data"
    data.mkdir()
    log = tmp_path / "serve.log"
    port = free_port()
    env = {**os.environ, "KYSO_DATA_DIR": str(data), "KYSO_VERIFY_WORKERS": "2"}
    env["KYSO_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    proc = start_serve(port, env, log, own_group=True)
    try:
        for _ in range(2):  # the pool starts its workers (and the fork server)
            answer = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/verify",
                files={"file": ("a.pdf", make_pdf(), "application/pdf")},
                timeout=120,
            )
            assert answer.status_code == 200, answer.text
        started = descendants(proc.pid)
        assert len(started) >= 2, started
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) in (0, -signal.SIGINT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    output = log.read_text(errors="replace")
    assert "Traceback" not in output, output
    assert "KeyboardInterrupt" not in output, output
    assert {pid for pid in started if _stat(pid) is not None} == set()
    roots = (data / "keys").iterdir()
    known = sorted(path.name for path in roots)
    again = start_serve(port, env, log)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/ready", timeout=30).status_code == 200
        assert sorted(path.name for path in (data / "keys").iterdir()) == known  # same PKI
    finally:
        again.terminate()
        again.wait(timeout=60)
