"""A corpus of printed-and-scanned results: issued by kyso, printed, forged, scanned, photographed.

1. ``issue``: a dossier row and ``Desk.issue_result`` (the real path: seal certification,
   the official's stamp with the QR code of ``{public_url}/v/{code}`` in the template's signer
   block, archived).
2. ``printed``: the signed PDF rendered by pdftoppm at 300 dpi, as a printer puts it on paper
   (the stamp and its QR code included), slightly softened like toner.
3. ``forge``: a word of the paper painted over in white and a new one written in its place in
   the same typeface and size (the forger's correction fluid and typewriter).
4. ``degrade``: the paper scanned (300 or 200 dpi, slight rotation, grey, noise, JPEG) or
   photographed with a phone (on a table, turned a few degrees, perspective, uneven light, blur,
   sensor noise, JPEG).
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from print_documents import AGENCY, FONTS, Field, ResultDocument

from api.accounts.models import DossierRow
from api.accounts.service import Role
from api.dossiers import dossier_desk
from api.wiring import Services
from common.errors import NotFoundError
from common.ids import short_code

PRINT_DPI = 300
#: how a page reaches kyso: a flatbed scan or a phone photo
DEGRADATIONS = ("scan300", "scan200", "photo")
FORGERIES = ("number", "amount", "date", "name")


@dataclass(frozen=True)
class Issued:
    code: str
    pdf: bytes
    document: ResultDocument


@dataclass(frozen=True)
class TextWord:
    text: str
    #: pixels of the 300 dpi print: left, top, right, bottom
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Forgery:
    kind: str
    before: str
    after: str


def ready_official(services: Services, username: str = "official1") -> None:
    """The official ``username`` (created for AGENCY if missing) with a signing certificate,
    and a seal for the official's agency."""
    accounts = services.accounts
    try:
        user = accounts.by_username(username)
    except NotFoundError:
        user = accounts.create_user(
            username, "mat-khau-rat-dai-123", Role.OFFICIAL, "Lê Thị Hằng", AGENCY
        )
    agency = user.agency or AGENCY
    official = services.pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", agency)
    services.pki.issue_seal(agency)
    accounts.bind_certificate(username, official.serial)


async def issue(
    services: Services, document: ResultDocument, username: str = "official1"
) -> Issued:
    """``document`` returned as the result of a new dossier, through ``issue_result``."""
    code = _dossier_row(services, username)
    official = services.accounts.by_username(username)
    desk = dossier_desk(services)
    # the stamp in the template's signer block, as ResultDesk.issue places it
    returned = await desk.issue_result(code, official, document.pdf, stamp_box=document.stamp_box)
    assert returned.result_document is not None
    pdf = desk.result_pdf(code, official)
    assert pdf is not None
    return Issued(code, pdf, document)


def _dossier_row(services: Services, username: str) -> str:
    """A new submitted dossier at ``username``'s agency, straight into its table."""
    from sqlalchemy.orm import Session

    code = "HS" + short_code(10)
    now = services.clock.now()
    official = services.accounts.by_username(username)
    with Session(services.engine) as db:
        db.add(
            DossierRow(
                code=code,
                service="Xác nhận thông tin",
                agency=official.agency or AGENCY,
                owner="citizen1",
                status="submitted",
                submitted_at=now,
                promised_at=now + timedelta(days=5),
                submission_document="none",
                submission_indication="TOTAL_PASSED",
            )
        )
        db.commit()
    return code


async def issue_from_template(
    services: Services, kind: str, seed: int, username: str = "official1"
) -> Issued:
    """The result of ``kind`` typed from ``seed`` issued as an official issues it from the
    template (``ResultDesk.issue``): numbered in the agency's register, then signed and filed."""
    from print_documents import typed_fields

    from api.results import result_desk

    code = _dossier_row(services, username)
    official = services.accounts.by_username(username)
    typed, fields = typed_fields(kind, seed)
    issued = await result_desk(services).issue(code, official, kind, typed)
    pdf = dossier_desk(services).result_pdf(code, official)
    assert pdf is not None
    numbered = (Field("number", issued.notation), *fields)
    return Issued(code, pdf, ResultDocument(kind, seed, pdf, numbered))


def printed(pdf: bytes, page: int = 1) -> Image.Image:
    """The page as printed on paper: rendered at 300 dpi with its annotations, toner-soft."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        args = ["pdftoppm", "-r", str(PRINT_DPI), "-f", str(page), "-l", str(page)]
        done = subprocess.run([*args, "-singlefile", handle.name], capture_output=True, check=True)
    image = Image.open(io.BytesIO(done.stdout)).convert("RGB")
    return image.filter(ImageFilter.GaussianBlur(0.6))


def text_words(pdf: bytes, page: int = 1) -> list[TextWord]:
    """The text layer's words with boxes in the 300 dpi print's pixels (pdftotext -bbox)."""
    import html
    import re

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        args = ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), handle.name, "-"]
        out = subprocess.run(args, capture_output=True, check=True).stdout.decode()
    scale = PRINT_DPI / 72
    found = []
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    for match in re.finditer(pattern, out):
        x0, y0, x1, y1 = (float(v) * scale for v in match.groups()[:4])
        found.append(TextWord(html.unescape(match.group(5)), (x0, y0, x1, y1)))
    return found


def _changed_value(kind: str, value: str, rng: random.Random) -> str:
    if kind == "name":
        from print_documents import GIVEN

        return rng.choice([g for g in GIVEN if g != value and len(g) >= len(value) - 1])
    # a digit changed: 123/QĐ-UBND -> 128/QĐ-UBND, 15.000.000 -> 18.000.000, a day or a year
    positions = [i for i, c in enumerate(value) if c.isdigit()]
    if kind == "amount":
        positions = positions[:2]
    elif kind == "date":
        positions = [positions[1], positions[-1]]  # the day's units or the year's
    i = rng.choice(positions)
    digit = rng.choice([d for d in "0123456789" if d != value[i] and not (i == 0 and d == "0")])
    return value[:i] + digit + value[i + 1 :]


def forge(
    image: Image.Image, pdf: bytes, field: Field, seed: int, page: int = 1
) -> tuple[Image.Image, Forgery]:
    """``field`` painted over on the print and rewritten changed, in the same font and size."""
    rng = random.Random(seed)
    after_value = _changed_value(field.kind, field.text, rng)
    before, after = _rewritten(pdf, field.text, after_value, page)
    forged = paint(image, pdf, field.text, after_value, bold=field.kind == "name", page=page)
    return forged, Forgery(field.kind, before, after)


def _target(pdf: bytes, text: str, page: int) -> TextWord:
    words = [w for w in text_words(pdf, page) if w.text.rstrip(",.;:)").endswith(text)]
    if not words:
        raise AssertionError(f"{text!r} is not on page {page}")
    return words[0]


def _rewritten(pdf: bytes, text: str, after: str, page: int) -> tuple[str, str]:
    """The text-layer word holding ``text``, before and after ``text`` is rewritten."""
    target = _target(pdf, text, page)
    return target.text, target.text.replace(text, after)


def paint(
    image: Image.Image, pdf: bytes, text: str, after_value: str, *, bold: bool = False,
    page: int = 1,
) -> Image.Image:  # fmt: skip
    """``text`` painted over on the print and ``after_value`` written in its place, in the
    same font and size (``bold``: in bold if the word is printed bold)."""
    target = _target(pdf, text, page)
    after = target.text.replace(text, after_value)
    x0, y0, x1, y1 = target.box
    forged = image.copy()
    draw = ImageDraw.Draw(forged)
    draw.rectangle((x0 - 1, y0 - 1, x1 + 1, y1 + 1), fill=(255, 255, 255))
    # pdftotext's box is the font's ascent + descent: about 1.107 em for Liberation Serif
    size = round((y1 - y0) / 1.107)
    bold = bold and target.text[:1].isupper() and _is_bold_line(image, target)
    font = ImageFont.truetype(
        str(FONTS / ("LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf")), size
    )
    draw.text((x0, y0 + 0.891 * size), after, font=font, fill=(0, 0, 0), anchor="ls")
    return forged.filter(ImageFilter.GaussianBlur(0.4))


def _is_bold_line(image: Image.Image, word: TextWord) -> bool:
    """Bold strokes: the word's box holds noticeably more ink than regular text."""
    x0, y0, x1, y1 = (round(v) for v in word.box)
    ink = np.asarray(image.convert("L").crop((x0, y0, x1, y1))) < 128
    return float(ink.mean()) > 0.22


def _rotated(image: Image.Image, degrees: float, fill: tuple[int, int, int]) -> Image.Image:
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def _noise(image: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + rng.normal(0.0, sigma, pixels.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, dpi=image.info.get("dpi", (300, 300)))
    return buf.getvalue()


def scanned(image: Image.Image, dpi: int, seed: int) -> tuple[bytes, str]:
    """A flatbed scan of the paper at ``dpi``: placed a little crooked, grey, sensor noise.

    300 dpi gives a lossless PNG, 200 dpi a JPEG (what office scanners send by e-mail)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    page = image.convert("L")
    if dpi != PRINT_DPI:
        factor = dpi / PRINT_DPI
        page = page.resize(
            (round(page.width * factor), round(page.height * factor)), Image.Resampling.LANCZOS
        )
    page = page.rotate(
        rng.uniform(-1.0, 1.0), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=250
    )
    page = _noise(page.point(lambda v: 18 + v * 0.9), 4.0, nrng)
    if dpi >= 300:
        buf = io.BytesIO()
        page.save(buf, "PNG", dpi=(dpi, dpi))
        return buf.getvalue(), ".png"
    page.info["dpi"] = (dpi, dpi)
    return _jpeg(page, 80), ".jpg"


def photographed(image: Image.Image, seed: int) -> tuple[bytes, str]:
    """A phone photo of the paper on a desk: turned, in perspective, lit unevenly, blurred."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    paper = image.convert("RGB").point(lambda v: 30 + v * 0.82)
    w, h = paper.size
    # perspective: the top edge a little narrower than the bottom (the phone held at an angle)
    inset = rng.uniform(0.01, 0.025) * w
    coeffs = _perspective_coeffs(
        [(inset, 0), (w - inset, 0), (w, h), (0, h)], [(0, 0), (w, 0), (w, h), (0, h)]
    )
    paper = paper.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC,
                            fillcolor=(96, 78, 60))  # fmt: skip
    margin = round(0.05 * w)
    desk = Image.new("RGB", (w + 2 * margin, h + 2 * margin), (96, 78, 60))
    desk.paste(paper, (margin, margin))
    desk = _rotated(desk, rng.uniform(-3.0, 3.0), (96, 78, 60))
    # light from one side: a brightness ramp from 0.7 to 1.0 across the picture
    ramp = np.linspace(rng.uniform(0.68, 0.78), 1.0, desk.width, dtype=np.float32)
    if rng.random() < 0.5:
        ramp = ramp[::-1]
    lit = np.asarray(desk, dtype=np.float32) * ramp[None, :, None]
    desk = Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8))
    desk = desk.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.2)))
    # the phone's picture: about 2300 pixels across the page, sensor noise, JPEG
    factor = 2400 / desk.width
    desk = desk.resize((2400, round(desk.height * factor)), Image.Resampling.BILINEAR)
    desk = _noise(desk, 5.0, nrng)
    return _jpeg(desk, 82), ".jpg"


def _perspective_coeffs(
    source: list[tuple[float, float]], target: list[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's 8 coefficients mapping ``target`` corners back to ``source`` corners."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for point in source for c in point], dtype=np.float64)
    return tuple(float(c) for c in np.linalg.solve(a, b))


def degrade(image: Image.Image, kind: str, seed: int) -> tuple[bytes, str]:
    """The paper as kyso receives it: (file bytes, suffix)."""
    if kind == "scan300":
        return scanned(image, 300, seed)
    if kind == "scan200":
        return scanned(image, 200, seed)
    if kind == "photo":
        return photographed(image, seed)
    raise ValueError(kind)
