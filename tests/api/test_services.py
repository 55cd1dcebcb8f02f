"""The services of a process: built once at start-up, frozen; signers kept per certificate;
the PDF workers' verify configuration picklable and current; errors cross the pool as
themselves; a job context built once per process."""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

import pytest

import api.database
from api import pdf_worker
from api.jobs.context import per_process
from api.pdf_tasks import PdfLimitError, PdfTaskCrash, TaskContext
from api.settings import Settings
from api.verifier_pool import PdfRunner
from api.wiring import Services, build_services
from common.errors import KysoError, NotFoundError
from signing.errors import SigningInputError


@pytest.fixture
def services(tmp_path: Path) -> Services:
    built = build_services(Settings(data_dir=tmp_path / "data", verify_workers=0))
    built.ensure_pki()
    return built


def test_the_schema_is_migrated_once_at_start_up_not_on_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real = api.database.migrate
    monkeypatch.setattr(api.database, "migrate", lambda engine: calls.append(real(engine)))
    built = build_services(Settings(data_dir=tmp_path / "data"))
    assert len(calls) == 1
    built.ensure_pki()
    from api.accounts.service import Role

    built.accounts.create_user("dan1", "mat-khau-rat-dai-123", Role.CITIZEN, "Dân")
    with built.engine.connect():
        pass
    assert len(calls) == 1  # using the engine migrates nothing
    built.engine.dispose()


def test_the_services_are_frozen(services: Services) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.pki = services.pki  # type: ignore[misc]


def test_a_signer_is_kept_per_certificate_and_refused_once_revoked(services: Services) -> None:
    seal = services.pki.issue_seal("UBND Quận Hoàn Kiếm")
    official = services.pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", "UBND Quận Hoàn Kiếm")
    first = services.signing.signer(seal.serial)
    assert services.signing.signer(seal.serial) is first
    assert services.signing.signer(official.serial) is not first
    services.revocation.revoke(seal.serial, "key_compromise")
    with pytest.raises(SigningInputError) as caught:
        services.signing.signer(seal.serial)
    assert caught.value.code == "signer_revoked"


def test_the_verify_configuration_is_picklable_and_reads_the_anchors_of_now(
    services: Services, tmp_path: Path
) -> None:
    from certs.records import to_pem

    before = services.verify_config(online=False)
    assert pickle.loads(pickle.dumps(before)) == before
    other = build_services(Settings(data_dir=tmp_path / "other", verify_workers=0))
    other.ensure_pki()
    root = other.pki.trust_anchors()[0]
    services.pki.trust_add(to_pem(root).encode())
    after = services.verify_config(online=False)
    assert root.dump() in after.trust_anchors and root.dump() not in before.trust_anchors
    options = after.options(_context(services))
    assert root.dump() in {cert.dump() for cert in options.trust_roots}
    assert options.online is False


def _context(services: Services) -> TaskContext:
    assert services.pdf.inline is not None
    return services.pdf.inline


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (NotFoundError("signer_unknown", "no such certificate"), NotFoundError),
        (MemoryError(), PdfLimitError),
    ],
)
def test_a_task_error_crosses_the_pipe_as_itself(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
    expected: type[KysoError],
) -> None:
    def task(_context: TaskContext) -> object:
        raise raised

    monkeypatch.setitem(pdf_worker.TASKS, "boom", task)
    kind, value = pdf_worker.perform(_context(services), "boom", (), 64 << 20)
    assert kind == "error"
    back = pickle.loads(pickle.dumps(value))  # what the pipe does
    assert type(back) is expected
    runner = PdfRunner(None, _context(services), 64 << 20)
    with pytest.raises(expected):
        runner.run("boom", ())


def test_a_bug_in_a_worker_is_a_crash_not_a_kyso_error(
    services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def task(_context: TaskContext) -> object:
        raise TypeError("a kyso bug")

    monkeypatch.setitem(pdf_worker.TASKS, "bug", task)
    monkeypatch.setattr(pdf_worker.resource, "setrlimit", lambda *_args: None)
    settings = Settings(data_dir=tmp_path / "data")
    kind, value = pdf_worker._limited(_context(services), "bug", (), settings)
    assert kind == "error" and isinstance(pickle.loads(pickle.dumps(value)), PdfTaskCrash)
    assert not isinstance(value, KysoError)


def test_a_job_context_is_built_once_per_process() -> None:
    built: list[int] = []

    def build() -> object:
        built.append(os.getpid())
        return object()

    context = per_process(build)  # type: ignore[arg-type]
    assert context() is context()
    assert built == [os.getpid()]
