"""Joining one-page PDFs into one PDF/A-2b: XMP identification, sRGB output intent, one font.

PDF/A-2b (ISO 19005-2, level B) asks: fonts embedded (the glyphless font is), no transparency or
encryption, device colour only under an output intent (the sRGB one added here), XMP metadata
naming the part and conformance and agreeing with the document information, and a file ID.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pikepdf
from PIL import ImageCms

from common.subprocess_run import ProgramError, run
from ocr.errors import OcrEngineError
from ocr.textlayer import FONT_RESOURCE

log = logging.getLogger(__name__)

#: ICC profiles shipped by Debian's ghostscript (first found is used), else one built by Pillow
_ICC_CANDIDATES = (
    Path("/usr/share/color/icc/ghostscript/srgb.icc"),
    Path("/usr/share/color/icc/sRGB.icc"),
)
PRODUCER = "kyso ocr"


def srgb_profile() -> bytes:
    for candidate in _ICC_CANDIDATES:
        if candidate.is_file():
            return candidate.read_bytes()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def merge_pages(pages: Sequence[Path], out: Path, timeout: float) -> None:
    """Concatenate one-page PDFs with qpdf, which reads each input lazily (bounded memory)."""
    args = ["qpdf", "--empty", "--pages", *[str(p) for p in pages], "--", str(out)]
    try:
        run(args, timeout=timeout)
    except ProgramError as exc:
        # exit status 3 means "written, with warnings"
        if "exited 3" not in exc.message:
            raise OcrEngineError(exc.code, f"pages cannot be joined: {exc.message}") from exc


def _share_font(pdf: pikepdf.Pdf) -> None:
    """Point every page at the first page's text font, so it is stored once."""
    shared: pikepdf.Object | None = None
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(fonts, pikepdf.Dictionary) or FONT_RESOURCE not in fonts:
            continue
        if shared is None:
            shared = fonts[FONT_RESOURCE]
        else:
            fonts[FONT_RESOURCE] = shared


#: annotations a derivative never carries over: multimedia and 3D (forbidden by ISO 19005-2
#: §6.3.1), attachments (§6.8 wants them PDF/A themselves) and form widgets (the form is gone)
_DROPPED_ANNOTATIONS = {
    "/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D", "/Widget",
}  # fmt: skip
#: the only actions kept: a jump inside the document and a visible link (§6.5.1 forbids
#: JavaScript, Launch, ImportData, Movie, Sound, Rendition ...)
_KEPT_ACTIONS = {"/GoTo", "/URI"}


def _strip_active_content(pdf: pikepdf.Pdf) -> None:
    """No script, launch action, attachment or multimedia from the input reaches the PDF/A
    copy (pages with a text layer are copied as they are, annotations and all)."""
    for page in pdf.pages:
        if "/AA" in page.obj:
            del page.obj["/AA"]
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annot in annots:
            if not isinstance(annot, pikepdf.Dictionary):
                continue
            if annot.get("/Subtype") in _DROPPED_ANNOTATIONS:
                continue
            if "/AA" in annot:
                del annot["/AA"]
            action = annot.get("/A")
            if action is not None and (
                not isinstance(action, pikepdf.Dictionary)
                or action.get("/S") not in _KEPT_ACTIONS
                or "/Next" in action
            ):
                del annot["/A"]
            kept.append(annot)
        if len(kept):
            page.obj.Annots = kept
        else:
            del page.obj["/Annots"]


def _xmp_date(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def finish_pdfa(
    merged: Path,
    out: Path,
    *,
    title: str,
    created: datetime,
    source_sha256: str,
    derivative: bool,
) -> None:
    with pikepdf.open(merged) as pdf:
        _share_font(pdf)
        _strip_active_content(pdf)
        for key in ("/AcroForm", "/OpenAction", "/Names", "/Perms"):
            if key in pdf.Root:
                del pdf.Root[key]
        icc = pikepdf.Stream(pdf, srgb_profile())
        icc.N = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier="sRGB IEC61966-2.1",
            RegistryName="http://www.color.org",
            Info="sRGB IEC61966-2.1",
            DestOutputProfile=icc,
        )
        pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["dc:title"] = title
            meta["dc:language"] = ["vi"]
            meta["xmp:CreatorTool"] = PRODUCER
            meta["pdf:Producer"] = PRODUCER
            meta["xmp:CreateDate"] = _xmp_date(created)
            meta["xmp:ModifyDate"] = _xmp_date(created)
            meta["xmp:MetadataDate"] = _xmp_date(created)
            # the fingerprint of the scanned input (for a signed PDF: of the untouched original)
            meta["dc:source"] = f"sha256:{source_sha256}"
            if derivative:
                meta["dc:relation"] = [f"urn:sha256:{source_sha256}"]
        pdf.save(out, force_version="1.7", fix_metadata_version=False)
