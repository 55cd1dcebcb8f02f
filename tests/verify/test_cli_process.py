"""``kyso verify FILE`` as a whole process (the installed command, as a user runs it): the
report and the status survive the command's quick end, the verifier child collects its garbage,
and neither process imports what a verification does not use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.verify.conftest import Kit

KYSO = str(Path(sys.executable).parent / "kyso")
#: what ``kyso verify`` of a signed PDF never needs (the CLI framework, the settings model, the
#: ORM, httpx for a revocation answered in-process, importlib.metadata for the version)
UNNEEDED = ("typer", "click", "rich", "pydantic", "pydantic_settings", "sqlalchemy", "alembic",
            "httpx", "yaml", "importlib.metadata", "jinja2", "numpy", "PIL")  # fmt: skip

#: ``kyso verify`` as the command runs it, with a spy on the verification in the child (it
#: writes the child's collector state and modules to SPY_OUT) and one at the parent's exit
_SPY = """
import atexit, gc, json, os, sys
import verify.isolate as isolate
verify_pdf, out = isolate.verify_pdf, os.environ["SPY_OUT"]
def spied(*args, **kwargs):
    state = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
    report = verify_pdf(*args, **kwargs)
    with open(out + ".child", "w") as f:
        json.dump({**state, "modules": sorted(sys.modules)}, f)
    return report
isolate.verify_pdf = spied
atexit.register(lambda: open(out + ".parent", "w").write(json.dumps(sorted(sys.modules))))
from api.cli.main import main
sys.argv = ["kyso", *sys.argv[1:]]
main()
"""


def _write(tmp_path: Path, corpus: dict[str, bytes], name: str) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(corpus[name])
    return path


@pytest.mark.parametrize(("name", "status", "verdict"), [
    ("clean_three_signatures_lt", 0, "TOTAL_PASSED"),
    ("attack_hash", 1, "TOTAL_FAILED"),
    ("attack_shadow_hide_form", 2, "INDETERMINATE"),
])  # fmt: skip
def test_the_command_prints_its_whole_report_and_ends_with_the_verdict_s_status(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path, name: str, status: int, verdict: str
) -> None:
    path = _write(tmp_path, corpus, name)
    done = subprocess.run([KYSO, "verify", "--json", str(path)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == status, done.stderr
    body = json.loads(done.stdout)  # the whole JSON, flushed before the process ended
    assert body["indication"] == verdict
    text = subprocess.run([KYSO, "verify", str(path)], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert text.returncode == status
    assert f"({verdict}" in text.stdout.splitlines()[0]
    assert len(text.stdout.splitlines()) >= 2 + 4 * len(body["signatures"])


def test_the_report_written_to_a_file_is_whole(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    path, out = _write(tmp_path, corpus, "clean_three_signatures_lt"), tmp_path / "report.json"
    with out.open("w") as stdout:
        done = subprocess.run([KYSO, "verify", "--json", str(path)], stdout=stdout,
                              timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0
    assert len(json.loads(out.read_text())["signatures"]) == 3


def test_the_verifier_child_collects_garbage_and_nothing_unneeded_is_imported(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    path, spy = _write(tmp_path, corpus, "clean_b_b"), tmp_path / "spy"
    done = subprocess.run([sys.executable, "-c", _SPY, "verify", str(path)],
                          env={**os.environ, "SPY_OUT": str(spy)}, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    child = json.loads(spy.with_suffix(".child").read_text())
    parent = set(json.loads(spy.with_suffix(".parent").read_text()))  # exit handlers ran
    assert child["enabled"]  # the collector is on where the document is parsed
    assert child["frozen"] > 10_000  # start-up's objects, frozen before the fork
    assert {"pyhanko.sign", "pikepdf"} <= parent  # imported once, before the fork
    assert [m for m in UNNEEDED if m in parent or m in child["modules"]] == []
