"""Generated photos for the intake tests: a rendered barcode and printed label text on a white background,
optionally rotated, blurred or dimmed (no photo files in the repository, nothing downloaded)."""

import io

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

FORMATS = {
    "EAN13": zxingcpp.BarcodeFormat.EAN13,
    "UPCA": zxingcpp.BarcodeFormat.UPCA,
    "Code128": zxingcpp.BarcodeFormat.Code128,
    "QR": zxingcpp.BarcodeFormat.QRCode,
}


def barcode_image(text: str, symbology: str = "EAN13", scale: int = 3) -> Image.Image:
    barcode = zxingcpp.create_barcode(text, FORMATS[symbology])
    return Image.fromarray(np.array(zxingcpp.write_barcode_to_image(barcode, scale=scale))).convert("RGB")


def label_photo(
    *,
    barcode: str | None = None,
    symbology: str = "EAN13",
    lines: tuple[str, ...] = (),
    rotate: float = 0,
    blur: float = 0,
    brightness: float = 1.0,
    size: tuple[int, int] = (1000, 800),
    box_colour: str | None = "#1e5adc",
    fmt: str = "PNG",
) -> bytes:
    canvas = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(canvas)
    if box_colour:  # the "product": a coloured block the colour analysis can name
        draw.rectangle((60, 480, 360, 760), fill=box_colour)
    font = ImageFont.load_default(size=40)
    for n, text in enumerate(lines):
        draw.text((120, 60 + 60 * n), text, fill="black", font=font)
    if barcode:
        canvas.paste(barcode_image(barcode, symbology), (420, 420))
    if rotate:
        canvas = canvas.rotate(rotate, expand=True, fillcolor="white")
    if blur:
        canvas = canvas.filter(ImageFilter.GaussianBlur(blur))
    if brightness != 1.0:
        canvas = ImageEnhance.Brightness(canvas).enhance(brightness)
    out = io.BytesIO()
    canvas.save(out, fmt)
    return out.getvalue()


def plain_photo(colour: str = "#8a8a8a", size: tuple[int, int] = (900, 700), seed: int = 1) -> bytes:
    """A photo with nothing readable: soft noise on grey (sharp enough, no barcode, no text)."""
    rng = np.random.default_rng(seed)
    base = np.array(Image.new("RGB", size, colour), dtype=np.int16)
    noisy = np.clip(base + rng.integers(-40, 40, size=base.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(noisy).save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")
