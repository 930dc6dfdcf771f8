"""How far a label photo is turned: the angle at which its dark pixels line up in rows (projection profile).

Pure NumPy/Pillow, no model. tesseract reads lines tilted by a few degrees only (docs/intake.md#phase-1), so the
OCR turns the photo level by this angle before reading it.
"""

import numpy as np
from PIL import Image

SKEW_SIDE = 600  # px: the long side the photo is scaled to before estimating; letters stay ~20 px tall on a label
SKEW_MAX_DEGREES = (
    30.0  # angles searched: -30..30, as far as the OCR retries (a label turned further is read turned by those)
)
SKEW_COARSE_STEP = 1.0  # degrees
SKEW_FINE_STEP = 0.2  # degrees, within one coarse step either side of the best coarse angle
SKEW_MIN_DEGREES = 0.5  # a smaller angle leaves the photo as it is (turning it would only blur the letters)
# The best angle's row score over the median of all angles searched, below which no angle stands out (no text lines:
# the photo is left as it is). Generated labels score 4-13 (tests/intake/test_deskew.py), a noisy plain photo 1.4.
SKEW_MIN_PEAK = 2.0
SKEW_MIN_INK = 200  # dark pixels (at SKEW_SIDE) below which there is nothing to line up


def _dark_points(grey: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    scale = min(1.0, SKEW_SIDE / max(grey.size))
    if scale < 1:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))))
    pixels = np.asarray(grey, dtype=np.uint8)
    ys, xs = np.nonzero(pixels < _otsu(pixels))
    return xs.astype(np.float64), ys.astype(np.float64)


def _otsu(pixels: np.ndarray) -> int:
    """The grey level that best splits the picture into ink and paper (Otsu's between-class variance)."""
    counts = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(counts)
    mass = np.cumsum(counts * levels)
    total, total_mass = weight[-1], mass[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mass * weight - total * mass) ** 2 / (weight * (total - weight))
    between = between[:-1]
    if np.isnan(between).all():  # one grey level only: no ink
        return 0
    return int(np.nanargmax(between)) + 1


def _row_score(xs: np.ndarray, ys: np.ndarray, degrees: float) -> float:
    """How sharply the points fall into rows running at `degrees` counter-clockwise: the sum of squared changes
    between neighbouring row counts (rows 1 px apart across that direction). Text lines parallel to it start and end
    abruptly; the bars of a barcode, which change little from row to row at any small angle, hardly count."""
    theta = np.radians(degrees)
    rows = np.round(xs * np.sin(theta) + ys * np.cos(theta)).astype(np.int64)
    steps = np.diff(np.bincount(rows - rows.min()).astype(np.float64))
    return float(np.dot(steps, steps))


def estimate_skew(grey: Image.Image) -> float:
    """The angle in degrees (counter-clockwise, as PIL's rotate) by which the text of `grey` is turned; 0 when the
    photo is level or has too little ink to tell. Turning the photo by minus this angle levels its lines."""
    xs, ys = _dark_points(grey)
    if len(xs) < SKEW_MIN_INK:
        return 0.0
    coarse = np.arange(-SKEW_MAX_DEGREES, SKEW_MAX_DEGREES + SKEW_COARSE_STEP / 2, SKEW_COARSE_STEP)
    coarse_scores = [_row_score(xs, ys, angle) for angle in coarse]
    best = float(coarse[int(np.argmax(coarse_scores))])
    if max(coarse_scores) < SKEW_MIN_PEAK * float(np.median(coarse_scores)):
        return 0.0
    fine = np.arange(best - SKEW_COARSE_STEP, best + SKEW_COARSE_STEP + SKEW_FINE_STEP / 2, SKEW_FINE_STEP)
    fine = fine[np.abs(fine) <= SKEW_MAX_DEGREES]
    scores = {round(float(angle), 1): _row_score(xs, ys, angle) for angle in fine}
    angle = max(scores, key=lambda a: scores[a])
    return 0.0 if abs(angle) < SKEW_MIN_DEGREES else angle
