"""Synthetic phone photos and colour scans of stamped pages, made from a rendered grey page.

Every page gets its own random draw (seeded by its number), so no clean-up is tuned on one page:
the light, the colour cast, the keystone, the blur, the resolution and the JPEG quality differ.
A photo is modelled as light falling on paper: ``image = paper_reflectance * illumination``, then
the camera's white balance, optics (perspective, blur), sensor noise, resampling and JPEG.
These helpers use Pillow and numpy only, never kyso's own clean-up code.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SEAL_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#: the red of a seal's ink as a colour scanner sees it (reflectance per channel)
SEAL_RED = (0.80, 0.12, 0.14)


@dataclass(frozen=True)
class Shot:
    """An RGB picture of a page and the resolution, in dots per inch of the paper, it has."""

    image: Image.Image
    dpi: int
    #: the JPEG bytes as a camera or scanner would write them (``None``: saved losslessly)
    jpeg: bytes | None
    #: where the sheet's corners are in ``image`` when the desk shows around it (TL, TR, BR, BL)
    corners: tuple[tuple[float, float], ...] | None = None


def _reflectance(page: Image.Image, rng: random.Random) -> np.ndarray:
    """A grey page as paper and ink: slightly tinted paper, ink that is not a perfect black."""
    ink = np.asarray(page.convert("L"), dtype=np.float32) / 255.0
    paper = np.array([rng.uniform(0.90, 0.96), rng.uniform(0.88, 0.94), rng.uniform(0.82, 0.90)])
    black = np.array([0.07, 0.07, 0.08]) * rng.uniform(0.8, 1.3)
    return black + (paper - black) * ink[..., None]


def _seal_mask(diameter: int, rng: random.Random) -> np.ndarray:
    """Ink coverage (0-1) of a round agency seal: two rings, text between them, a star."""
    size = diameter + 8
    seal = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(seal)
    c, r = size / 2, diameter / 2
    ring = max(3, diameter // 45)
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=ring)
    inner = r * 0.68
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255, width=max(2, ring // 2))
    font = ImageFont.truetype(SEAL_FONT, max(8, int(diameter * 0.085)))
    text = "ỦY BAN NHÂN DÂN * THÀNH PHỐ HÀ NỘI * "
    for i, char in enumerate(text):
        angle = -math.pi / 2 + 2 * math.pi * i / len(text)
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size / 2, font.size / 4), char, font=font, fill=255)
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        radius = (r + inner) / 2
        x, y = c + radius * math.cos(angle), c + radius * math.sin(angle)
        seal.paste(255, (int(x - font.size), int(y - font.size)), glyph)
    star = [
        (
            c
            + (inner * 0.45 if k % 2 == 0 else inner * 0.18)
            * math.cos(-math.pi / 2 + k * math.pi / 5),
            c
            + (inner * 0.45 if k % 2 == 0 else inner * 0.18)
            * math.sin(-math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=255)
    seal = seal.rotate(rng.uniform(-30, 30), resample=Image.Resampling.BICUBIC)
    coverage = np.asarray(seal, dtype=np.float32) / 255.0
    # stamp ink is uneven: some areas print pale
    speckle = np.random.default_rng(rng.randrange(2**32)).normal(128, 60, (size, size))
    blotch = np.asarray(
        Image.fromarray(np.uint8(np.clip(speckle, 0, 255))).filter(
            ImageFilter.GaussianBlur(diameter / 30)
        ),
        dtype=np.float32,
    )
    blotch = (blotch - blotch.min()) / max(1.0, float(np.ptp(blotch)))
    return np.clip(coverage * (0.55 + 0.6 * blotch), 0.0, 1.0)


def stamp_seal(page: np.ndarray, dpi: int, rng: random.Random) -> np.ndarray:
    """Press a red seal (about 36 mm across) over the body text, as an issued decision has."""
    height, width = page.shape[:2]
    diameter = int(36 / 25.4 * dpi * rng.uniform(0.95, 1.1))
    mask = _seal_mask(diameter, rng)
    size = mask.shape[0]
    # over the lower part of the text, where an official signs
    rows = np.nonzero((page.mean(axis=2) < 0.5).any(axis=1))[0]
    top, bottom = (int(rows[0]), int(rows[-1])) if len(rows) else (0, height)
    x0 = int(rng.uniform(0.35, 0.62) * width) - size // 2
    y0 = int(top + rng.uniform(0.45, 0.95) * (bottom - top)) - size // 2
    x0, y0 = max(0, min(width - size, x0)), max(0, min(height - size, y0))
    region = page[y0 : y0 + size, x0 : x0 + size]
    # ink multiplies: black text under the seal stays black, paper turns red
    red = np.array(SEAL_RED, dtype=np.float32)
    region *= 1.0 - mask[..., None] * (1.0 - red)
    return page


def _perspective_coefficients(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE data: the map from output pixels ``dst`` to input pixels ``src``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return tuple(float(v) for v in np.linalg.solve(np.array(rows), np.array(rhs)))


def _scene(
    reflectance: np.ndarray, rng: random.Random
) -> tuple[Image.Image, list[tuple[float, float]] | None]:
    """The page on a desk seen by a camera: keystone, a little turn, the desk around it or not."""
    height, width = reflectance.shape[:2]
    page = Image.fromarray(np.uint8(np.clip(reflectance * 255, 0, 255)), "RGB")
    outline = rng.random() < 0.6
    if outline:  # the whole sheet is in the picture, the desk around it
        margin = rng.uniform(0.05, 0.10)
        canvas_w, canvas_h = int(width * (1 + 2 * margin)), int(height * (1 + 2 * margin))
        desk = (rng.randint(60, 120), rng.randint(50, 100), rng.randint(35, 80))
        ox, oy = (canvas_w - width) / 2, (canvas_h - height) / 2
    else:  # the camera was held close: the paper fills the frame
        crop = rng.uniform(0.015, 0.03)
        canvas_w, canvas_h = int(width * (1 - 2 * crop)), int(height * (1 - 2 * crop))
        desk = (235, 230, 220)
        ox, oy = -width * crop, -height * crop
    keystone = rng.uniform(0.015, 0.04) * width
    turn = math.radians(rng.uniform(-2.0, 2.0))
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    shift = [(keystone, 0), (-keystone, 0), (0, 0), (0, 0)]
    if rng.random() < 0.5:  # the camera leaned the other way: the bottom edge is the short one
        shift = [(0, 0), (0, 0), (-keystone, 0), (keystone, 0)]
    cx, cy = width / 2, height / 2
    placed = []
    for (x, y), (dx, dy) in zip(corners, shift, strict=True):
        px, py = x + dx + rng.uniform(-0.006, 0.006) * width, y + dy
        rx = cx + (px - cx) * math.cos(turn) - (py - cy) * math.sin(turn)
        ry = cy + (px - cx) * math.sin(turn) + (py - cy) * math.cos(turn)
        placed.append((rx + ox, ry + oy))
    coefficients = _perspective_coefficients([(float(x), float(y)) for x, y in corners], placed)
    picture = page.transform(
        (canvas_w, canvas_h),
        Image.Transform.PERSPECTIVE,
        coefficients,
        Image.Resampling.BICUBIC,
        fillcolor=desk,
    )
    return picture, placed if outline else None


def _illumination(width: int, height: int, rng: random.Random) -> np.ndarray:
    """Light on the paper: a gradient, vignetting towards the corners, a soft shadow."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs, ys = xs / width - 0.5, ys / height - 0.5
    angle = rng.uniform(0, 2 * math.pi)
    light = 1.0 - rng.uniform(0.15, 0.35) * (0.5 + xs * math.cos(angle) + ys * math.sin(angle))
    light *= 1.0 - rng.uniform(0.25, 0.45) * (xs**2 + ys**2) * 2
    if rng.random() < 0.75:  # the phone's or the photographer's shadow over part of the page
        shadow = Image.new("L", (width, height), 0)
        side = rng.choice(["left", "right", "top", "bottom"])
        depth = rng.uniform(0.25, 0.45)
        reach = rng.uniform(0.2, 0.45)
        box = {
            "left": (-width, -height, int(width * reach), 2 * height),
            "right": (int(width * (1 - reach)), -height, 2 * width, 2 * height),
            "top": (-width, -height, 2 * width, int(height * reach)),
            "bottom": (-width, int(height * (1 - reach)), 2 * width, 2 * height),
        }[side]
        ImageDraw.Draw(shadow).ellipse(box, fill=255)
        # mostly soft (daylight), sometimes hard-edged (a lamp or the sun behind the phone)
        edge = rng.uniform(0.04, 0.1) if rng.random() < 0.7 else rng.uniform(0.004, 0.012)
        soft = shadow.filter(ImageFilter.GaussianBlur(min(width, height) * edge))
        light *= 1.0 - depth * np.asarray(soft, dtype=np.float32) / 255.0
    return np.asarray(light * rng.uniform(0.95, 1.1), dtype=np.float32)


def _jpeg(image: Image.Image, quality: int, dpi: int) -> tuple[Image.Image, bytes]:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, subsampling="4:2:0", dpi=(dpi, dpi))
    data = buf.getvalue()
    return Image.open(io.BytesIO(data)), data


def photograph(page: Image.Image, dpi: int, seed: int) -> Shot:
    """A phone photo of ``page`` (rendered grey at ``dpi``), 150-300 dpi of paper, JPEG."""
    rng = random.Random(seed * 7919 + 11)
    reflectance = _reflectance(page, rng)
    if rng.random() < 0.35:  # an issued decision: photographed with its seal
        reflectance = stamp_seal(reflectance, dpi, rng)
    picture, corners = _scene(reflectance, rng)
    target = rng.choice([150, 180, 200, 220, 250, 300])
    factor = target / dpi
    size = (round(picture.width * factor), round(picture.height * factor))
    # optics before the sensor: lens blur at the sensor's own pixel size
    picture = picture.resize(size, Image.Resampling.LANCZOS)
    picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    scene = np.asarray(picture, dtype=np.float32) / 255.0
    scene *= _illumination(picture.width, picture.height, rng)[..., None]
    warm = rng.random() < 0.5
    cast = (1.0, 0.90, 0.72) if warm else (0.80, 0.92, 1.0)
    strength = rng.uniform(0.5, 1.0)
    scene *= np.array([1 - strength * (1 - g) for g in cast], dtype=np.float32)
    # auto exposure puts the brightest paper near white, then the sensor adds noise
    scene /= max(0.5, float(np.percentile(scene, 99.5)))
    noise = np.random.default_rng(seed).normal(0.0, rng.uniform(0.008, 0.02), scene.shape[:2])
    scene += noise[..., None].astype(np.float32)
    shot = Image.fromarray(np.uint8(np.clip(scene * 255, 0, 255)), "RGB")
    image, data = _jpeg(shot, rng.randint(55, 80), target)
    seen = None if corners is None else tuple((x * factor, y * factor) for x, y in corners)
    return Shot(image, target, data, seen)


def stamped_scan(page: Image.Image, dpi: int, seed: int) -> Shot:
    """A flatbed colour scan of an issued decision: a red seal over black text, 200-300 dpi."""
    rng = random.Random(seed * 104729 + 5)
    reflectance = stamp_seal(_reflectance(page, rng), dpi, rng)
    scan = Image.fromarray(np.uint8(np.clip(reflectance * 255, 0, 255)), "RGB")
    target = rng.choice([200, 240, 300])
    if target != dpi:
        size = (round(scan.width * target / dpi), round(scan.height * target / dpi))
        scan = scan.resize(size, Image.Resampling.LANCZOS)
    scan = scan.rotate(
        rng.uniform(-1.0, 1.0), Image.Resampling.BICUBIC, expand=True, fillcolor=(250, 250, 250)
    )
    scan = scan.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.6)))
    if rng.random() < 0.5:
        image, data = _jpeg(scan, rng.randint(75, 90), target)
        return Shot(image, target, data)
    return Shot(scan, target, None)
