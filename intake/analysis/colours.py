"""Dominant colours of a photo with their names, ignoring the white or near-white background."""

from typing import Any

import numpy as np
from PIL import Image

# A small named palette (CSS colour keywords); the nearest entry names a swatch.
NAMED_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "white": (255, 255, 255),
    "red": (220, 20, 60),
    "maroon": (128, 0, 0),
    "orange": (255, 140, 0),
    "yellow": (255, 215, 0),
    "olive": (128, 128, 0),
    "green": (34, 139, 34),
    "teal": (0, 128, 128),
    "blue": (30, 90, 220),
    "navy": (0, 0, 128),
    "purple": (128, 0, 128),
    "pink": (255, 105, 180),
    "brown": (139, 69, 19),
    "beige": (245, 222, 179),
}
BACKGROUND_LEVEL = 235  # every channel at or above: background, not product
MIN_SHARE = 0.05  # a colour must cover this share of the non-background pixels to be named


def colour_name(rgb: tuple[int, int, int]) -> str:
    return min(NAMED_COLOURS, key=lambda n: sum((a - b) ** 2 for a, b in zip(NAMED_COLOURS[n], rgb, strict=True)))


def dominant_colours(img: Image.Image, *, count: int = 3) -> list[dict[str, Any]]:
    """Up to `count` colours of the product (share of non-background pixels, hex swatch, name), largest first."""
    small = img.convert("RGB")
    small.thumbnail((96, 96))
    pixels = np.asarray(small).reshape(-1, 3)
    product = pixels[~(pixels >= BACKGROUND_LEVEL).all(axis=1)]
    if len(product) == 0:
        return []
    quantised = Image.fromarray(product.reshape(1, -1, 3).astype(np.uint8)).quantize(colors=count + 2)
    palette = quantised.getpalette() or []
    total = len(product)
    out: list[dict[str, Any]] = []
    counts: list[tuple[int, Any]] = sorted(quantised.getcolors() or [], key=lambda pair: -pair[0])
    for n, index in counts:
        share = n / total
        if share < MIN_SHARE or len(out) >= count:
            break
        r, g, b = palette[int(index) * 3 : int(index) * 3 + 3]
        out.append({"hex": f"#{r:02x}{g:02x}{b:02x}", "name": colour_name((r, g, b)), "share": round(share, 3)})
    return out
