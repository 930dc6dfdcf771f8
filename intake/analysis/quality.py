"""Phase 0 measures of one photo and of a set of photos: pure NumPy/Pillow, no database (docs/intake.md#phase-0).

Thresholds were set on the generated photos of tests/intake/photos.py (a sharp label measures a Laplacian variance in
the thousands at 640 px, the same label under a 2 px Gaussian blur below 100).
"""

from typing import Any

import numpy as np
from PIL import Image, ImageOps

MEASURE_SIDE = 640  # px: the long side every photo is scaled to before measuring, so measures compare across cameras
BLUR_VARIANCE_MIN = 120.0  # variance of the 4-neighbour Laplacian below which a photo is "blurry"
DARK_MEAN_MAX = 70  # mean grey (0-255) below which a photo is "too dark"
BRIGHT_MEAN_MIN = 250  # mean grey above which a photo is "overexposed"
MIN_SIDE = 400  # px: the short side below which a photo is "resolution too low"
WHITE_LEVEL = 235  # grey level from which a border pixel counts as white background
# Near-duplicates (docs/intake.md#phase-0): a 64-bit perceptual hash of the photo's content. Measured on the
# generated photos of tests/intake/test_near_duplicates.py: the same photo resized, recompressed (JPEG q=60) or
# cropped by 3 % differs by 0-2 bits; the same product turned 15 degrees or seen in perspective by 14 or more.
NEAR_DUPLICATE_BITS = 8  # Hamming distance at or below which two photos are near-duplicates
HASH_SIDE = 32  # px: the thumbnail whose DCT is taken
HASH_FREQUENCIES = 8  # the 8 x 8 lowest frequencies give the 64 bits
CONTENT_LEVEL_DIFF = 24  # grey levels from the border's median above which a pixel belongs to the subject
CONTENT_LINE_SHARE = 0.005  # share of a row (column) such pixels must fill for it to be inside the subject's box
FLAT_STD_MAX = 3.0  # grey levels: a thumbnail this even (a plain surface) has no shape to hash; it is not compared


def grey_at_measure_size(img: Image.Image) -> np.ndarray:
    grey = ImageOps.exif_transpose(img).convert("L")
    scale = MEASURE_SIDE / max(grey.size)
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    return np.asarray(grey.resize(size, Image.Resampling.BILINEAR), dtype=np.float64)


def laplacian_variance(grey: np.ndarray) -> float:
    lap = -4 * grey[1:-1, 1:-1] + grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:]
    return float(lap.var())


def white_border_share(grey: np.ndarray) -> float:
    border = np.concatenate([grey[0, :], grey[-1, :], grey[:, 0], grey[:, -1]])
    return float((border >= WHITE_LEVEL).mean())


def _dct_matrix(size: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: `m @ x` is the DCT of the column vector x."""
    k = np.arange(size)[:, None]
    x = np.arange(size)[None, :]
    matrix = np.cos(np.pi * (2 * x + 1) * k / (2 * size)) * np.sqrt(2 / size)
    matrix[0] /= np.sqrt(2)
    return matrix


DCT = _dct_matrix(HASH_SIDE)


def subject_box(grey: np.ndarray) -> np.ndarray:
    """The part of the photo holding the subject: the rows and columns with pixels clearly unlike the border's
    median (the backdrop). Hashing it rather than the frame makes the hash indifferent to a re-framing crop or
    margin, and puts its bits on the subject rather than on even backdrop. The whole photo when nothing stands out."""
    border = np.concatenate([grey[0, :], grey[-1, :], grey[:, 0], grey[:, -1]])
    subject = np.abs(grey - np.median(border)) > CONTENT_LEVEL_DIFF
    rows = np.nonzero(subject.sum(axis=1) > CONTENT_LINE_SHARE * grey.shape[1])[0]
    cols = np.nonzero(subject.sum(axis=0) > CONTENT_LINE_SHARE * grey.shape[0])[0]
    if len(rows) < HASH_FREQUENCIES or len(cols) < HASH_FREQUENCIES:
        return grey
    return grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def perceptual_hash(grey: np.ndarray) -> str:
    """64-bit DCT perceptual hash of the subject (hex string): is each of the 8 x 8 lowest frequencies of its
    32 x 32 thumbnail above their median. Empty for a photo too even to have a shape (never a near-duplicate)."""
    subject = Image.fromarray(np.clip(subject_box(grey), 0, 255).astype(np.uint8))
    thumb = np.asarray(subject.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.LANCZOS), dtype=np.float64)
    if thumb.std() <= FLAT_STD_MAX:
        return ""
    low = (DCT @ thumb @ DCT.T)[:HASH_FREQUENCIES, :HASH_FREQUENCIES].flatten()
    bits = low > np.median(low[1:])  # the constant term (overall brightness) left out of the median
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def photo_metrics(img: Image.Image) -> dict[str, Any]:
    grey = grey_at_measure_size(img)
    # Sharpness on the contrast-stretched picture: a dim but focused photo is "too dark", not also "blurry".
    stretched = np.asarray(ImageOps.autocontrast(Image.fromarray(grey.astype(np.uint8))), dtype=np.float64)
    return {
        "width": img.width,
        "height": img.height,
        "sharpness": round(laplacian_variance(stretched), 1),
        "brightness": round(float(grey.mean()), 1),
        "white_background_share": round(white_border_share(grey), 3),
        "phash": perceptual_hash(grey),
    }


def photo_reasons(metrics: dict[str, Any]) -> list[str]:
    """Reasons to retake one photo (empty: the photo is fine)."""
    reasons = []
    if metrics["sharpness"] < BLUR_VARIANCE_MIN:
        reasons.append("blurry")
    if metrics["brightness"] < DARK_MEAN_MAX:
        reasons.append("too dark")
    elif metrics["brightness"] > BRIGHT_MEAN_MIN:
        reasons.append("overexposed")
    if min(metrics["width"], metrics["height"]) < MIN_SIDE:
        reasons.append("resolution too low")
    return reasons


def near_duplicates(hashes: list[str]) -> dict[int, int]:
    """index -> index of the earlier photo it nearly duplicates (the closest; photos without a hash are skipped)."""
    found: dict[int, int] = {}
    for i, current in enumerate(hashes):
        if not current:
            continue
        distances = {j: hamming(current, hashes[j]) for j in range(i) if hashes[j] and j not in found}
        if distances and min(distances.values()) <= NEAR_DUPLICATE_BITS:
            found[i] = min(distances, key=lambda j: (distances[j], j))
    return found
