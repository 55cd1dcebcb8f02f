"""The outline of a sheet photographed on a desk, and the perspective map that flattens it.

A phone held over a page sees it as a quadrilateral (keystone) with the desk around it. When the
four edges of the sheet are visible, mapping that quadrilateral to a rectangle undoes both the
keystone and the turn, so text lines become straight and parallel before recognition. When the
sheet fills the picture (no desk visible), nothing is found and the page is only deskewed.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from ocr.cleanup import shrink
from ocr.geometry import Homography, matrix3

log = logging.getLogger(__name__)

#: the picture is searched at this size (long side, pixels): outlines need no detail
_SEARCH_SIDE = 640
#: a sheet covers at least this share of the picture, and leaves some desk visible
_MIN_AREA, _MAX_AREA = 0.30, 0.96
#: along each edge, paper is this much brighter than the desk beside it (ratio of means)
_MIN_EDGE_CONTRAST = 1.25
#: and that holds at this share of the points sampled along the edge
_MIN_EDGE_SUPPORT = 0.8

Quad = NDArray[np.float64]


@dataclass(frozen=True)
class Sheet:
    """The sheet's corners in the picture (top-left, top-right, bottom-right, bottom-left)."""

    corners: Quad
    width: int
    height: int

    def picture_to_sheet(self) -> Homography:
        target = np.array(
            [[0, 0], [self.width, 0], [self.width, self.height], [0, self.height]], np.float32
        )
        h = cv2.getPerspectiveTransform(self.corners.astype(np.float32), target)
        return Homography(matrix3([float(v) for v in h.ravel()]))


def _order(points: Quad) -> Quad:
    """Corners in the order top-left, top-right, bottom-right, bottom-left."""
    sums, diffs = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(sums)],
            points[np.argmin(diffs)],
            points[np.argmax(sums)],
            points[np.argmax(diffs)],
        ]
    )


def _edge_support(bright: NDArray[np.float32], quad: Quad) -> float:
    """The share of points along the quad's edges where the inside is brighter than outside."""
    h, w = bright.shape
    centre = quad.mean(axis=0)
    offset = 0.012 * math.hypot(w, h)
    good = total = 0
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        edge = b - a
        normal = np.array([-edge[1], edge[0]]) / max(1e-9, float(np.hypot(*edge)))
        if float(np.dot(centre - a, normal)) < 0:
            normal = -normal
        for t in np.linspace(0.1, 0.9, 17):
            p = a + t * edge
            inside, outside = p + offset * normal, p - offset * normal
            if not (0 <= outside[0] < w and 0 <= outside[1] < h):
                continue  # the edge runs along the picture's border: no desk to compare
            total += 1
            xi, yi = int(inside[0]), int(inside[1])
            xo, yo = int(outside[0]), int(outside[1])
            if bright[yi, xi] > _MIN_EDGE_CONTRAST * max(1.0, float(bright[yo, xo])):
                good += 1
    return good / total if total >= 40 else 0.0


def _desk(bright: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The sheet as a mask: what the desk, flooded from the picture's border, does not reach.

    The flood stops at sharp edges only. Edges are found on the logarithm of the brightness,
    where light falling off towards the corners or a soft shadow is a slow change and the
    border of paper on a darker desk is a step, however the page is lit.
    """
    log_bright = np.log1p(bright.astype(np.float32)) * (255.0 / math.log(256.0))
    smooth = cv2.GaussianBlur(log_bright.astype(np.uint8), (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(smooth, 12, 30), np.ones((3, 3), np.uint8))
    count, labels = cv2.connectedComponents((edges == 0).astype(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    desk = np.isin(labels, border[border > 0]) if count > 1 else np.zeros(labels.shape, bool)
    sheet = np.where(desk, 0, 255).astype(np.uint8)
    return np.asarray(cv2.morphologyEx(sheet, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)), np.uint8)


def find_sheet(picture: NDArray[np.uint8]) -> Sheet | None:
    """The sheet's outline in a grey or RGB picture, or ``None`` when its four edges are not
    all clearly seen."""
    height, width = picture.shape[:2]
    factor = min(1.0, _SEARCH_SIDE / max(height, width))
    small = shrink(picture, factor)
    bright = small if small.ndim == 2 else np.asarray(small.max(axis=2), np.uint8)
    contours, _ = cv2.findContours(_desk(bright), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    area = cv2.contourArea(quad) / (small.shape[0] * small.shape[1])
    if len(quad) != 4 or not _MIN_AREA <= area <= _MAX_AREA:
        log.debug("no sheet outline (%s corners, %.2f of the picture)", len(quad), area)
        return None
    corners = _order(quad.reshape(4, 2).astype(np.float64))
    support = _edge_support(cv2.GaussianBlur(bright, (5, 5), 0).astype(np.float32), corners)
    if support < _MIN_EDGE_SUPPORT:
        log.debug("sheet outline rejected (edge support %.2f)", support)
        return None
    corners = corners / factor
    top, bottom = np.hypot(*(corners[1] - corners[0])), np.hypot(*(corners[2] - corners[3]))
    left, right = np.hypot(*(corners[3] - corners[0])), np.hypot(*(corners[2] - corners[1]))
    # the flat sheet keeps the picture's pixel density: the longer of each pair of edges
    return Sheet(corners, round(max(top, bottom)), round(max(left, right)))
