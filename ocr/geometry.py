"""Plane affine maps between the pixel frames of a page and PDF user space.

Frames: V, the page as archived (image pixels, y down); U, V turned upright by a multiple of
90 degrees; D, U straightened and scaled, the image the engine reads. For a photo whose page
outline is visible, U is first mapped to the flat sheet by a perspective map (a homography),
then straightened. Word boxes found in D are carried back to U for the text layer, which
therefore sits on the words of the archived image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import overload


@dataclass(frozen=True)
class Affine:
    """``x' = a*x + b*y + c``, ``y' = d*x + e*y + f``."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0
    e: float = 1.0
    f: float = 0.0

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f

    @overload
    def then(self, other: Affine) -> Affine: ...

    @overload
    def then(self, other: Homography) -> Homography: ...

    def then(self, other: Affine | Homography) -> Affine | Homography:
        """The map that applies ``self`` first, then ``other``."""
        if isinstance(other, Homography):
            return Homography.of(self).then(other)
        o = other
        return Affine(
            o.a * self.a + o.b * self.d,
            o.a * self.b + o.b * self.e,
            o.a * self.c + o.b * self.f + o.c,
            o.d * self.a + o.e * self.d,
            o.d * self.b + o.e * self.e,
            o.d * self.c + o.e * self.f + o.f,
        )

    def inverse(self) -> Affine:
        det = self.a * self.e - self.b * self.d
        if det == 0:
            raise ValueError("singular affine map")
        a, b, d, e = self.e / det, -self.b / det, -self.d / det, self.a / det
        return Affine(a, b, -(a * self.c + b * self.f), d, e, -(d * self.c + e * self.f))

    def linear(self, x: float, y: float) -> tuple[float, float]:
        """The map of a direction (no translation)."""
        return self.a * x + self.b * y, self.d * x + self.e * y

    def scale_at(self, x: float, y: float) -> float:
        return abs(complex(*self.linear(1.0, 0.0)))

    def coefficients(self) -> tuple[float, float, float, float, float, float]:
        return (self.a, self.b, self.c, self.d, self.e, self.f)


Matrix3 = tuple[float, float, float, float, float, float, float, float, float]


def matrix3(values: list[float]) -> Matrix3:
    a, b, c, d, e, f, g, h, i = values
    return (a, b, c, d, e, f, g, h, i)


@dataclass(frozen=True)
class Homography:
    """A perspective map, ``(x', y') = (H [x y 1]) / w``, its 3x3 matrix ``m`` by rows."""

    m: Matrix3

    @staticmethod
    def of(affine: Affine) -> Homography:
        a = affine
        return Homography((a.a, a.b, a.c, a.d, a.e, a.f, 0.0, 0.0, 1.0))

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        m = self.m
        w = m[6] * x + m[7] * y + m[8]
        if w == 0:
            raise ValueError("point mapped to infinity")
        return (m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w

    def then(self, other: Affine | Homography) -> Homography:
        """The map that applies ``self`` first, then ``other``."""
        o = (Homography.of(other) if isinstance(other, Affine) else other).m
        s = self.m
        product = [
            sum(o[3 * r + k] * s[3 * k + c] for k in range(3)) for r in range(3) for c in range(3)
        ]
        return Homography(matrix3(product))

    def inverse(self) -> Homography:
        a, b, c, d, e, f, g, h, i = self.m
        cofactors = (
            e * i - f * h, c * h - b * i, b * f - c * e,
            f * g - d * i, a * i - c * g, c * d - a * f,
            d * h - e * g, b * g - a * h, a * e - b * d,
        )  # fmt: skip
        det = a * cofactors[0] + b * cofactors[3] + c * cofactors[6]
        if det == 0:
            raise ValueError("singular homography")
        return Homography(matrix3([v / det for v in cofactors]))

    def scale_at(self, x: float, y: float) -> float:
        x0, y0 = self(x, y)
        x1, y1 = self(x + 1.0, y)
        return math.hypot(x1 - x0, y1 - y0)


def scale(sx: float, sy: float | None = None) -> Affine:
    return Affine(a=sx, e=sx if sy is None else sy)


def translate(tx: float, ty: float) -> Affine:
    return Affine(c=tx, f=ty)


def turn_clockwise(degrees: int, width: float, height: float) -> Affine:
    """Pixels of a ``width`` x ``height`` image (y down) to the image turned clockwise."""
    turns = (degrees // 90) % 4
    if turns == 0:
        return Affine()
    if turns == 1:
        return Affine(a=0, b=-1, c=height, d=1, e=0, f=0)
    if turns == 2:
        return Affine(a=-1, b=0, c=width, d=0, e=-1, f=height)
    return Affine(a=0, b=1, c=0, d=-1, e=0, f=width)


def rotated_size(width: float, height: float, degrees: float) -> tuple[int, int]:
    rad = math.radians(degrees)
    cos, sin = abs(math.cos(rad)), abs(math.sin(rad))
    return math.ceil(width * cos + height * sin), math.ceil(width * sin + height * cos)


def straighten(width: int, height: int, degrees: float, factor: float) -> tuple[Affine, int, int]:
    """The map from D (U turned ``degrees`` counter-clockwise, scaled) back to U, and D's size."""
    rw, rh = rotated_size(width, height, degrees)
    out_w, out_h = max(1, round(rw * factor)), max(1, round(rh * factor))
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)
    to_centre = translate(-out_w / 2, -out_h / 2)
    rotate_back = Affine(a=cos / factor, b=-sin / factor, d=sin / factor, e=cos / factor)
    d_to_u = to_centre.then(rotate_back).then(translate(width / 2, height / 2))
    return d_to_u, out_w, out_h


#: a map between two pixel frames
PlaneMap = Affine | Homography
