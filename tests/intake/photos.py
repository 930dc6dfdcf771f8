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


def product_photo(
    *, angle: float = 0, pattern: str = "stripes", perspective: float = 0, colour: str = "#c0392b"
) -> bytes:
    """A product on a light backdrop (a box with a cap, a printed label and a stripe or dot pattern), turned
    `angle` degrees or seen from the side (`perspective`: the share by which its far edge shrinks)."""
    item = Image.new("RGBA", (520, 620), (0, 0, 0, 0))
    draw = ImageDraw.Draw(item)
    draw.rounded_rectangle((60, 120, 460, 600), 30, fill=colour)
    draw.ellipse((170, 20, 350, 150), fill="#333333")
    draw.rectangle((110, 260, 410, 460), fill="white")
    font = ImageFont.load_default(size=44)
    draw.text((130, 280), "ACME", fill="black", font=font)
    draw.text((130, 350), "KT-200", fill="black", font=font)
    if pattern == "stripes":
        for y in range(480, 590, 24):
            draw.rectangle((60, y, 460, y + 10), fill="#f1c40f")
    else:
        for x in range(80, 460, 60):
            draw.ellipse((x, 500, x + 40, 540), fill="#2ecc71")
    item = item.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", (1200, 900), "#f4f4f4")
    canvas.paste(item, ((canvas.width - item.width) // 2, (canvas.height - item.height) // 2), item)
    if perspective:
        canvas = _seen_from_the_side(canvas, perspective)
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def _seen_from_the_side(img: Image.Image, shrink: float) -> Image.Image:
    """The picture with its right edge shrunk by `shrink` of the height at top and bottom (a perspective view)."""
    w, h = img.size
    seen = [(0, 0), (w, shrink * h), (w, h - shrink * h), (0, h)]
    flat = [(0, 0), (w, 0), (w, h), (0, h)]
    rows = []
    for (x, y), (u, v) in zip(seen, flat, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coeffs = np.linalg.solve(np.array(rows, dtype=float), np.array(flat, dtype=float).reshape(8))
    return img.transform(
        img.size, Image.Transform.PERSPECTIVE, coeffs.tolist(), Image.Resampling.BICUBIC, fillcolor="#f4f4f4"
    )


def recompressed(data: bytes, *, scale: float = 0.5, quality: int = 60) -> bytes:
    """The photo resized by `scale` and saved again as a JPEG of `quality` (what a messenger app does)."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def cropped(data: bytes, share: float = 0.03, *, sides: str = "all") -> bytes:
    """The photo with `share` of its width and height cut off every side ("all") or the top and left ("top-left")."""
    img = Image.open(io.BytesIO(data))
    dx, dy = round(img.width * share), round(img.height * share)
    box = (dx, dy, img.width - dx, img.height - dy) if sides == "all" else (dx, dy, img.width, img.height)
    out = io.BytesIO()
    img.crop(box).save(out, "PNG")
    return out.getvalue()
