"""Helpers shared by the OCR tests (a module with a unique name, not conftest, so that
``from ocr_helpers import ...`` never picks up another package's conftest)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from ocr.results import OcrResult, ProgressEvent

#: the pages of the dossier scanned in the session run, in order
DOSSIER = ("skew", "noise", "upside_down", "fax", "smudge", "letter")


@dataclass(frozen=True)
class DossierRun:
    folder: Path
    output: Path
    sidecar: Path
    hocr: Path
    result: OcrResult
    events: tuple[ProgressEvent, ...]
    expected: dict[str, str]

    def page_text(self, kind: str) -> str:
        number = DOSSIER.index(kind) + 1
        return pdftotext(self.output, number)


def pdftotext(pdf: Path, page: int | None = None, *, layout: bool = True) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    done = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def make_signed_pdf(path: Path, page_png: Path) -> Path:
    """An image PDF carrying a (dummy) signature field with /ByteRange, as a signer leaves it."""
    plain = path.with_suffix(".unsigned.pdf")
    with Image.open(page_png) as image:
        image.convert("L").save(plain, "PDF", resolution=300)
    pdf = pikepdf.open(plain)
    sig_value = pikepdf.Dictionary(
        Type=pikepdf.Name.Sig,
        Filter=pikepdf.Name("/Adobe.PPKLite"),
        SubFilter=pikepdf.Name("/ETSI.CAdES.detached"),
        ByteRange=[0, 100, 200, 300],
        Contents=pikepdf.String(b"\x00" * 64),
    )
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            FT=pikepdf.Name.Sig,
            T="Signature1",
            V=pdf.make_indirect(sig_value),
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            Rect=[0, 0, 0, 0],
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].obj.Annots = pikepdf.Array([field])
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field], SigFlags=3)
    pdf.save(path)
    pdf.close()
    return path
