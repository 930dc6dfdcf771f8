"""Barcode reading with zxing-cpp (a wheel with no system library): EAN-13, UPC-A, Code 128 and QR codes."""

from typing import Any

import zxingcpp
from PIL import Image

FORMATS = (
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.UPCA,
    zxingcpp.BarcodeFormat.Code128,
    zxingcpp.BarcodeFormat.QRCode,
)
SYMBOLOGY = {"EAN13": "EAN-13", "UPCA": "UPC-A", "Code128": "Code 128", "QRCode": "QR"}


def _box(position: Any) -> list[int]:
    xs = [p.x for p in (position.top_left, position.top_right, position.bottom_right, position.bottom_left)]
    ys = [p.y for p in (position.top_left, position.top_right, position.bottom_right, position.bottom_left)]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def read_barcodes(img: Image.Image) -> list[dict[str, Any]]:
    """Every barcode found: symbology, text and box [x, y, w, h] in the photo's pixels."""
    found = []
    for result in zxingcpp.read_barcodes(img.convert("L"), formats=FORMATS):  # type: ignore[arg-type]
        if not result.valid:
            continue
        name = result.format.name
        found.append({"symbology": SYMBOLOGY.get(name, name), "text": result.text, "box": _box(result.position)})
    return found


def gtin_candidate(symbology: str, text: str) -> str | None:
    """The digits a barcode offers as a GTIN (EAN/UPC always; Code 128 and QR when they hold 8-14 digits)."""
    digits = text.strip()
    if symbology == "UPC-A" and len(digits) == 13 and digits.startswith("0"):
        digits = digits[1:]
    if digits.isdigit() and digits.isascii() and 8 <= len(digits) <= 14:
        return digits
    return None
