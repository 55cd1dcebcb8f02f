"""The archive's verdict on a stored PDF (api.adapters.ReportVerifier): a document whose
signatures could not be judged is never recorded as unsigned."""

from __future__ import annotations

from pathlib import Path

from apitools import Kyso, make_pdf

from api.adapters import ReportVerifier
from verify.isolate import incomplete_report, limited_report
from verify.model import ValidationReport


def _summary(kyso: Kyso, tmp_path: Path, report_of: object) -> object:
    verifier = ReportVerifier(report_of, tmp_path / "tmp")  # type: ignore[arg-type]
    return verifier.summarise(iter([make_pdf()]))


def test_a_verification_stopped_by_a_resource_limit_is_recorded_with_its_verdict(
    kyso: Kyso, tmp_path: Path
) -> None:
    options = kyso.services.verify_options()

    def stopped(path: Path) -> ValidationReport:
        return limited_report(path.read_bytes(), "more than 768 MB of memory", options)

    summary = _summary(kyso, tmp_path, stopped)
    assert summary is not None  # not "unsigned": its signatures were not read
    # the report's own verdict on a PDF over the safe limits (verify/findings.py)
    assert summary.indication == "TOTAL_FAILED"  # type: ignore[attr-defined]


def test_a_verification_without_a_verdict_in_time_is_recorded_as_try_later(
    kyso: Kyso, tmp_path: Path
) -> None:
    options = kyso.services.verify_options()

    def late(path: Path) -> ValidationReport:
        return incomplete_report(path.read_bytes(), 30, options)

    summary = _summary(kyso, tmp_path, late)
    assert summary is not None
    assert (summary.indication, summary.sub_indication) == (  # type: ignore[attr-defined]
        "INDETERMINATE",
        "TRY_LATER",
    )


def test_an_unsigned_document_is_recorded_as_unsigned(kyso: Kyso, tmp_path: Path) -> None:
    summary = _summary(kyso, tmp_path, kyso.services.verify_file)
    assert summary is None
