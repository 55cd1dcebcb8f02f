"""Fixtures of the OCR tests: synthetic Vietnamese scans made once per session, and one run."""

from __future__ import annotations

from pathlib import Path

import ocr_synthetic as synth
import pytest
from ocr_helpers import DOSSIER, DossierRun

from ocr.options import OcrOptions
from ocr.pipeline import digitise
from ocr.results import ProgressEvent


@pytest.fixture(scope="session")
def decision() -> synth.SyntheticPage:
    return synth.render_document(synth.DECISION_LINES)


@pytest.fixture(scope="session")
def scans(tmp_path_factory: pytest.TempPathFactory, decision: synth.SyntheticPage) -> Path:
    """A folder of page scans: degraded decisions, a smudged page and a letter."""
    folder = tmp_path_factory.mktemp("scans")
    for n, kind in enumerate(DOSSIER, 1):
        if kind == "smudge":
            page = synth.blank_smudge()
        elif kind == "letter":
            page = synth.render_document(synth.LETTER_LINES)
        else:
            page = synth.degraded(kind, decision)
        suffix = ".jpg" if kind == "jpeg" else ".png"
        synth.save(page, folder / f"{n:02d}-{kind}{suffix}")
    return folder


@pytest.fixture(scope="session")
def dossier(
    tmp_path_factory: pytest.TempPathFactory, scans: Path, decision: synth.SyntheticPage
) -> DossierRun:
    out = tmp_path_factory.mktemp("dossier")
    events: list[ProgressEvent] = []
    result = digitise(
        scans,
        out / "dossier.pdf",
        OcrOptions(jobs=2, hocr_dir=out / "hocr"),
        sidecar=out / "dossier.txt",
        progress=events.append,
    )
    expected = {kind: decision.text for kind in DOSSIER}
    expected["letter"] = "\n".join(synth.LETTER_LINES)
    expected["smudge"] = ""
    return DossierRun(
        scans,
        out / "dossier.pdf",
        out / "dossier.txt",
        out / "hocr",
        result,
        tuple(events),
        expected,
    )
