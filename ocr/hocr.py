"""hOCR files (one per page) with word boxes in the pixels of the archived image."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from ocr.engine import Word
from ocr.geometry import PlaneMap
from ocr.textlayer import group_lines


def _bbox(word: Word, to_image: PlaneMap) -> tuple[int, int, int, int]:
    corners = [
        to_image(x, y)
        for x in (word.left, word.left + word.width)
        for y in (word.top, word.top + word.height)
    ]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))


def render_hocr(words: Sequence[Word], to_image: PlaneMap, size: tuple[int, int]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="vi"><head><meta charset="utf-8"/>',
        '<meta name="ocr-system" content="kyso"/><title>kyso OCR</title></head><body>',
        f'<div class="ocr_page" title="bbox 0 0 {size[0]} {size[1]}">',
    ]
    for n, line in enumerate(group_lines(words), 1):
        boxes = [_bbox(w, to_image) for w in line]
        lx0, ly0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        lx1, ly1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        out.append(f'<span class="ocr_line" id="line_{n}" title="bbox {lx0} {ly0} {lx1} {ly1}">')
        for word, (x0, y0, x1, y1) in zip(line, boxes, strict=True):
            title = f"bbox {x0} {y0} {x1} {y1}; x_wconf {round(word.confidence)}"
            out.append(f'<span class="ocrx_word" title="{title}">{escape(word.text)}</span>')
        out.append("</span>")
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"


def write_hocr(
    path: Path, words: Sequence[Word], to_image: PlaneMap, size: tuple[int, int]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_hocr(words, to_image, size), encoding="utf-8")
