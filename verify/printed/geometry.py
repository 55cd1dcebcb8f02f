"""Laying a scan onto its original: a plane homography fitted on words both share.

A flatbed scan is the original turned and scaled; a phone photo adds perspective. Both are a
homography from the scan's pixels to the original's points, fitted by least squares (DLT with
Hartley normalisation) on the centres of words matched by the alignment, re-fitted without the
pairs it does not explain (a word matched to its twin on another line). Deterministic: no
random sampling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from verify.printed.model import Box

Point = tuple[float, float]
#: pairs needed for a fit one can trust (a homography needs 4; OCR pairs are noisy)
MIN_PAIRS = 8


@dataclass(frozen=True)
class Homography:
    matrix: tuple[float, ...]  # 3x3, row-major

    def _array(self) -> np.ndarray:
        return np.array(self.matrix, dtype=np.float64).reshape(3, 3)

    def point(self, x: float, y: float) -> Point:
        h = self.matrix
        w = h[6] * x + h[7] * y + h[8]
        return (h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w

    def box(self, box: Box) -> Box:
        """The bounding box of ``box``'s mapped corners."""
        x0, y0, x1, y1 = box
        corners = [self.point(x, y) for x in (x0, x1) for y in (y0, y1)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        return min(xs), min(ys), max(xs), max(ys)

    def inverse(self) -> Homography:
        inverted = np.linalg.inv(self._array())
        return Homography(tuple(float(v) for v in (inverted / inverted[2, 2]).ravel()))

    def scale_at(self, x: float, y: float) -> float:
        """Mapped length of one unit near ``(x, y)`` (mean of both axes)."""
        cx, cy = self.point(x, y)
        ax, ay = self.point(x + 1.0, y)
        bx, by = self.point(x, y + 1.0)
        return float((np.hypot(ax - cx, ay - cy) + np.hypot(bx - cx, by - cy)) / 2)


def _normaliser(points: np.ndarray) -> np.ndarray:
    centre = points.mean(axis=0)
    spread = float(np.sqrt(((points - centre) ** 2).sum(axis=1)).mean()) or 1.0
    s = np.sqrt(2) / spread
    return np.array([[s, 0, -s * centre[0]], [0, s, -s * centre[1]], [0, 0, 1]])


def _dlt(source: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    ts, tt = _normaliser(source), _normaliser(target)
    ones = np.ones((len(source), 1))
    s = (ts @ np.hstack([source, ones]).T).T
    t = (tt @ np.hstack([target, ones]).T).T
    rows = []
    for (x, y, _), (u, v, _) in zip(s, t, strict=True):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, _, vt = np.linalg.svd(np.array(rows))
    h = vt[-1].reshape(3, 3)
    full = np.linalg.inv(tt) @ h @ ts
    if abs(full[2, 2]) < 1e-12:
        return None
    return np.asarray(full / full[2, 2])


def _residuals(h: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    ones = np.ones((len(source), 1))
    mapped = (h @ np.hstack([source, ones]).T).T
    mapped = mapped[:, :2] / mapped[:, 2:3]
    return np.asarray(np.hypot(*(mapped - target).T))


def fit(pairs: Sequence[tuple[Point, Point]], tolerance: float) -> Homography | None:
    """The homography taking each pair's first point to its second, or None.

    ``tolerance`` (in target units) is how far a kept pair may land from its partner: pairs
    beyond it, or beyond three times the median residual, are dropped and the fit repeated.
    """
    if len(pairs) < MIN_PAIRS:
        return None
    source = np.array([p[0] for p in pairs], dtype=np.float64)
    target = np.array([p[1] for p in pairs], dtype=np.float64)
    keep = np.ones(len(pairs), dtype=bool)
    h = None
    for _ in range(6):
        if keep.sum() < MIN_PAIRS:
            return None
        h = _dlt(source[keep], target[keep])
        if h is None:
            return None
        residual = _residuals(h, source, target)
        limit = max(tolerance, 3.0 * float(np.median(residual[keep])))
        updated = residual <= limit
        if (updated == keep).all():
            break
        keep = updated
    if h is None or keep.sum() < MIN_PAIRS or np.linalg.det(h[:2, :2]) == 0:
        return None
    if float(np.median(_residuals(h, source[keep], target[keep]))) > tolerance:
        return None
    return Homography(tuple(float(v) for v in h.ravel()))
