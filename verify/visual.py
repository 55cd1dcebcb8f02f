"""What the pages *show*: render the signed revision and the final file, compare pixels.

Only run when later revisions go beyond signatures and DSS updates. Rendering uses poppler's
pdftoppm through the subprocess helper, under ``prlimit`` (memory, CPU) and a timeout.
Changed pixels are grouped into cells; cells inside widgets of later signatures or of
filled form fields are explained, others are reported with page and region in PDF points.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from common.subprocess_run import ProgramError, run
from verify.model import Region
from verify.options import Limits
from verify.problem import Problem

Box = tuple[float, float, float, float]


class ChangedRegions(Protocol):
    """What the comparison needs of the object-level changes (``verify.changes.Delta``)."""

    @property
    def pages(self) -> set[int]: ...

    @property
    def filled_widgets(self) -> list[tuple[int, Box]]: ...

    @property
    def new_annotations(self) -> list[tuple[int, Box]]: ...

    @property
    def signature_widgets(self) -> list[tuple[int, Box]]: ...


_CELL = 6  # pixels per side of a comparison cell
_DIFF = 48  # per-channel difference that counts as changed
_INK = 200  # darker than this (grey level) is ink
_DARK, _LIGHT = 128, 200  # "erased": was darker than _DARK, now lighter than _LIGHT
_ERASED_PIXELS = 3


@dataclass
class VisualResult:
    problems: list[Problem] = field(default_factory=list)
    regions: tuple[Region, ...] = ()


def render(pdf: bytes, pages: list[int], limits: Limits, *, hide_annotations: bool = False
           ) -> dict[int, NDArray[np.uint8]]:  # fmt: skip
    """Grey-level images of ``pages`` (1-based) at ``limits.render_dpi``."""
    out: dict[int, NDArray[np.uint8]] = {}
    if not pages:
        return out
    with tempfile.TemporaryDirectory(prefix="kyso-verify-") as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        args = ["prlimit", f"--as={limits.max_memory_bytes}",
                f"--cpu={int(limits.timeout_seconds) + 1}", "pdftoppm",
                "-r", str(limits.render_dpi), "-gray", "-f", str(min(pages)),
                "-l", str(max(pages))]  # fmt: skip
        if hide_annotations:
            args.append("-hide-annotations")
        run([*args, str(source), str(Path(folder) / "p")], timeout=limits.timeout_seconds)
        for image in sorted(Path(folder).glob("p-*.pgm")):
            number = int(image.stem.rsplit("-", 1)[1])
            if number in pages:
                with Image.open(BytesIO(image.read_bytes())) as img:
                    out[number] = np.asarray(img.convert("L"), dtype=np.uint8)
    return out


def _cells(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    h, w = mask.shape
    hc, wc = (h + _CELL - 1) // _CELL, (w + _CELL - 1) // _CELL
    padded = np.zeros((hc * _CELL, wc * _CELL), dtype=bool)
    padded[:h, :w] = mask
    return np.asarray(padded.reshape(hc, _CELL, wc, _CELL).any(axis=(1, 3)), dtype=np.bool_)


def _box_cells(box: Box, scale: float, height_px: int, margin: float = 3.0) -> tuple[slice, slice]:
    x1, y1, x2, y2 = box
    left, right = int((x1 - margin) / scale) // _CELL, int((x2 + margin) / scale) // _CELL + 1
    top = int(height_px - (y2 + margin) / scale) // _CELL
    bottom = int(height_px - (y1 - margin) / scale) // _CELL + 1
    return slice(max(top, 0), max(bottom, 0)), slice(max(left, 0), max(right, 0))


def _erased(old: NDArray[np.uint8], new: NDArray[np.uint8], box: Box, scale: float) -> int:
    """Pixels of ``box`` that were ink in the signed revision and are blank now."""
    height, width = old.shape
    x1, y1, x2, y2 = box
    left, right = max(int(x1 / scale), 0), min(int(x2 / scale) + 1, width)
    top, bottom = max(int(height - y2 / scale), 0), min(int(height - y1 / scale) + 1, height)
    before, after = old[top:bottom, left:right], new[top:bottom, left:right]
    return int(((before < _DARK) & (after > _LIGHT)).sum())


def _region(page: int, cells: NDArray[np.bool_], scale: float, height_px: int) -> Region:
    rows, cols = np.nonzero(cells)
    x1, x2 = cols.min() * _CELL * scale, (cols.max() + 1) * _CELL * scale
    top, bottom = rows.min() * _CELL, (rows.max() + 1) * _CELL
    y1, y2 = (height_px - bottom) * scale, (height_px - top) * scale
    return Region(page, (round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)))


def _fmt(region: Region) -> str:
    x1, y1, x2, y2 = (round(v) for v in region.box)
    return f"page {region.page}, x {x1}-{x2}, y {y1}-{y2} pt"


def compare_revisions(
    signed: bytes, final: bytes, delta: ChangedRegions, limits: Limits
) -> VisualResult:

    result = VisualResult()
    pages = sorted(delta.pages)[: limits.max_rendered_pages] or [1]
    try:
        before = render(signed, pages, limits)
        after = render(final, pages, limits)
        hidden = (
            render(signed, pages, limits, hide_annotations=True) if delta.filled_widgets else {}
        )
    except ProgramError as exc:
        result.problems.append(
            Problem("visual_change", detail=f"pages not renderable ({exc.code})")
        )
        return result
    regions = []
    for page in pages:
        old, new = before.get(page), after.get(page)
        if old is None or new is None or old.shape != new.shape:
            continue
        scale = 72.0 / limits.render_dpi
        height = old.shape[0]
        changed = _cells(np.abs(old.astype(np.int16) - new.astype(np.int16)) > _DIFF)
        inked = _cells(old < _INK)
        explained = np.zeros_like(changed)
        for number, box in delta.signature_widgets:
            if number == page:
                explained[_box_cells(box, scale, height)] = True
        for number, box in delta.filled_widgets:
            if number != page:
                continue
            area = _box_cells(box, scale, height)
            explained[area] = True
            if not changed[area].any():
                continue
            cells = np.zeros_like(changed)
            cells[area] = changed[area]
            region = _region(page, cells, scale, height)
            under = hidden.get(page)
            # ink under the widget that the widget's appearance covered when signed
            covered = (
                _cells((under < _INK) & (np.abs(under.astype(np.int16) - old) > _DIFF))
                if under is not None
                else np.zeros_like(changed)
            )
            if covered[area].any():
                code, detail = "shadow_hide", _fmt(region)
            elif _erased(old, new, box, scale) >= _ERASED_PIXELS:
                # filling a form adds ink; this field's appearance painted over signed ink
                code, detail = "overlay_over_signed_content", "form field, " + _fmt(region)
            else:
                continue
            regions.append(region)
            result.problems.append(Problem(code, detail=detail, pages=(page,), regions=(region,)))
        for number, box in delta.new_annotations:
            if number != page:
                continue
            area = _box_cells(box, scale, height)
            explained[area] = True
            if changed[area].any() and inked[area].any():
                cells = np.zeros_like(changed)
                cells[area] = changed[area]
                region = _region(page, cells, scale, height)
                regions.append(region)
                result.problems.append(Problem("overlay_over_signed_content", detail=_fmt(region),
                                               pages=(page,), regions=(region,)))  # fmt: skip
            elif changed[area].any():
                result.problems.append(Problem("annotation_added", detail=f"page {page}"))
        rest = changed & ~explained
        if rest.any():
            region = _region(page, rest, scale, height)
            regions.append(region)
            result.problems.append(
                Problem("visual_change", detail=_fmt(region), pages=(page,), regions=(region,))
            )
    result.regions = tuple(regions)
    return result
