"""Uploaded PDFs are verified in the verifier pool's processes, never in the API process: a
bomb cannot swell the API, a dead verifier process costs a retry, not an error."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from apitools import Kyso, citizen_signed_pdf, make_kyso, make_pdf

from api.settings import Settings


def _verify(kyso: Kyso, data: bytes) -> dict[str, object]:
    answer = kyso.client.post("/api/v1/verify", files={"file": ("a.pdf", data, "application/pdf")})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _pool_pids(kyso: Kyso) -> list[int]:
    return kyso.services.verifier_pool.pids()


def test_uploads_are_verified_in_another_process(
    kyso: Kyso, monkeypatch: pytest.MonkeyPatch
) -> None:
    import verify.engine

    def not_here(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("verify_pdf ran in the API process")

    monkeypatch.setattr(verify.engine, "verify_pdf", not_here)
    assert _verify(kyso, citizen_signed_pdf(kyso.services))["indication"] == "TOTAL_PASSED"
    assert os.getpid() not in _pool_pids(kyso)


def test_a_killed_verifier_process_costs_a_retry_not_an_error(kyso: Kyso) -> None:
    signed = citizen_signed_pdf(kyso.services)
    assert _verify(kyso, signed)["indication"] == "TOTAL_PASSED"
    for pid in _pool_pids(kyso):
        os.kill(pid, signal.SIGKILL)
    assert _verify(kyso, signed)["indication"] == "TOTAL_PASSED"  # on a fresh pool


def test_a_verifier_process_is_confined_to_its_memory_budget(tmp_path: Path) -> None:
    """A budget far too small for a 48 MiB document: the report says so (resource_limit)
    instead of the API process paying for it."""
    kyso = make_kyso(tmp_path, Settings(data_dir=tmp_path / "data", verify_max_memory_mb=16))
    try:
        padded = make_pdf() + b"%" + b"x" * (48 << 20) + b"\n"
        report = _verify(kyso, padded)
        codes = {f["code"] for f in report["findings"]}  # type: ignore[attr-defined]
        assert "resource_limit" in codes, report
        assert report["indication"] != "TOTAL_PASSED"
    finally:
        kyso.services.close()


def test_worker_processes_are_renewed_without_stalling_the_documents(
    kyso: Kyso, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python/cpython#115634: a process retiring at max_tasks_per_child could leave queued
    documents waiting forever; a retired worker is replaced by the pool itself."""
    import api.verifier_pool

    monkeypatch.setattr(api.verifier_pool, "TASKS_PER_PROCESS", 1)
    signed = citizen_signed_pdf(kyso.services)
    for _ in range(3):
        assert _verify(kyso, signed)["indication"] == "TOTAL_PASSED"
    assert kyso.services.verifier_pool.started == 3


def test_a_verification_not_answered_in_time_is_a_503_and_its_worker_is_replaced(
    tmp_path: Path,
) -> None:
    """A saturated server must not call a valid document failed: it says to try again; the
    worker that missed its deadline is killed, not left holding its place."""
    settings = Settings(
        data_dir=tmp_path / "data", verify_timeout_seconds=0.01, revocation_budget_seconds=0.01
    )
    kyso = make_kyso(tmp_path, settings)
    try:
        answer = kyso.client.post(
            "/api/v1/verify",
            files={"file": ("a.pdf", citizen_signed_pdf(kyso.services), "application/pdf")},
        )
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "verifier_busy"
        assert kyso.services.verifier_pool.pids() == []  # the late worker is gone
        assert kyso.services.verifier_pool.started == 1
    finally:
        kyso.services.close()
