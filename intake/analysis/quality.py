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
NEAR_DUPLICATE_BITS = 5  # Hamming distance of two 64-bit difference hashes at or below which photos are near-duplicates


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


def difference_hash(grey: np.ndarray) -> str:
    """64-bit dHash: is each pixel of a 9x8 thumbnail brighter than its right neighbour (hex string)."""
    small = np.asarray(Image.fromarray(grey.astype(np.uint8)).resize((9, 8), Image.Resampling.BILINEAR), dtype=int)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
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
        "dhash": difference_hash(grey),
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
    """index -> index of the earlier photo it nearly duplicates."""
    found: dict[int, int] = {}
    for i, current in enumerate(hashes):
        for j in range(i):
            if j not in found and hamming(current, hashes[j]) <= NEAR_DUPLICATE_BITS:
                found[i] = j
                break
    return found
