"""The recognition engine behind a small protocol; Tesseract is the real one.

Tesseract runs as one process per page with ``OMP_THREAD_LIMIT=1``: on 2 cores, two single-thread
processes are several times faster than one process using Tesseract's own OpenMP threads.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from common.subprocess_run import ProgramError, run
from ocr.errors import OcrEngineError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Word:
    """One recognised word, its box in the pixels of the image given to the engine."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float
    #: (block, paragraph, line): words with the same key are on one line, in reading order
    line_key: tuple[int, int, int]


@dataclass(frozen=True)
class Orientation:
    #: clockwise degrees to turn the image so its text is upright
    rotate: int
    confidence: float


class OcrEngine(Protocol):
    def recognize(self, image: bytes, *, languages: str, dpi: int) -> list[Word]:
        """Words of ``image`` (PNM/PNG bytes), in reading order."""
        ...

    def orientation(self, image: bytes, *, dpi: int) -> Orientation:
        """Which way up the text of ``image`` is."""
        ...

    def recognize_line(self, image: bytes, *, languages: str, dpi: int) -> list[Word]:
        """Words of ``image`` read as one single line of text."""
        ...


_ROTATE = re.compile(rb"Rotate:\s*(\d+)")
_CONFIDENCE = re.compile(rb"Orientation confidence:\s*([\d.]+)")


@dataclass(frozen=True)
class TesseractEngine:
    program: str = "tesseract"
    timeout: float = 180.0
    #: Tesseract's page segmentation mode; 3 = automatic layout without OSD
    psm: int = 3

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
        env["OMP_THREAD_LIMIT"] = "1"
        return env

    def recognize(self, image: bytes, *, languages: str, dpi: int) -> list[Word]:
        return self._tsv(image, languages, dpi, self.psm)

    def recognize_line(self, image: bytes, *, languages: str, dpi: int) -> list[Word]:
        return self._tsv(image, languages, dpi, 7)  # 7 = the image is a single text line

    def _tsv(self, image: bytes, languages: str, dpi: int, psm: int) -> list[Word]:
        args = [
            self.program,
            "stdin",
            "stdout",
            "-l",
            languages,
            "--psm",
            str(psm),
            "--dpi",
            str(dpi),
            "-c",
            "tessedit_do_invert=0",
            "tsv",
        ]
        try:
            done = run(args, timeout=self.timeout, input_bytes=image, env=self._env())
        except ProgramError as exc:
            raise OcrEngineError(exc.code, exc.message) from exc
        return parse_tsv(done.stdout.decode("utf-8", "replace"))

    def orientation(self, image: bytes, *, dpi: int) -> Orientation:
        args = [self.program, "stdin", "stdout", "--psm", "0", "--dpi", str(dpi)]
        done = run(args, timeout=self.timeout, input_bytes=image, env=self._env(), check=False)
        # tesseract exits non-zero when the page has too few characters to tell: not an error
        out = done.stdout + done.stderr
        rotate, confidence = _ROTATE.search(out), _CONFIDENCE.search(out)
        if rotate is None or confidence is None:
            log.debug("orientation unknown (tesseract exit %s)", done.returncode)
            return Orientation(0, 0.0)
        return Orientation(int(rotate.group(1)) % 360, float(confidence.group(1)))


def parse_tsv(tsv: str) -> list[Word]:
    """Words from Tesseract's TSV output (level 5 rows), text in NFC."""
    words: list[Word] = []
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = unicodedata.normalize("NFC", row[11]).strip()
        if not text:
            continue
        try:
            left, top, width, height = (int(v) for v in row[6:10])
            confidence = float(row[10])
            key = (int(row[2]), int(row[3]), int(row[4]))
        except ValueError:
            continue
        words.append(Word(text, left, top, width, height, max(confidence, 0.0), key))
    return words
