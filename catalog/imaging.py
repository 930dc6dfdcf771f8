"""Pure image inspection: validate an upload with Pillow and read its metadata. No database access."""

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from PIL import ExifTags, Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
WHITE_THRESHOLD = 235  # per channel: a border pixel at or above this counts as white
WHITE_SHARE = 0.95  # share of border pixels that must be white for a "white background"


@dataclass(frozen=True)
class InspectedImage:
    sha256: str
    format: str
    extension: str
    width: int
    height: int
    size_bytes: int
    metadata: dict[str, Any] = field(default_factory=dict)


def _exif(img: Image.Image) -> dict[str, Any]:
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - broken EXIF must not refuse an otherwise valid image
        return {}
    if not exif:
        return {}
    names = {
        ExifTags.Base.Orientation: "orientation",
        ExifTags.Base.Make: "camera_make",
        ExifTags.Base.Model: "camera_model",
        ExifTags.Base.DateTime: "date_time",
    }
    out: dict[str, Any] = {}
    for tag, key in names.items():
        value = exif.get(tag)
        if value not in (None, ""):
            out[key] = value if isinstance(value, int) else str(value).strip("\x00 ").strip()
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        original = sub.get(ExifTags.Base.DateTimeOriginal)
        if original:
            out["date_taken"] = str(original).strip("\x00 ")
    except Exception:  # noqa: BLE001
        pass
    return out


def _colour_facts(img: Image.Image) -> dict[str, Any]:
    small = img.convert("RGB")
    small.thumbnail((64, 64))
    w, h = small.size
    quantised = small.quantize(colors=5)
    palette = quantised.getpalette() or []
    counts = sorted(quantised.getcolors() or [], reverse=True)
    dominant = "#000000"
    if counts:
        index = int(counts[0][1])  # type: ignore[call-overload]
        r, g, b = palette[index * 3 : index * 3 + 3]
        dominant = f"#{r:02x}{g:02x}{b:02x}"
    pixels: list[tuple[int, int, int]] = list(small.get_flattened_data())  # type: ignore[arg-type]
    border = [pixels[y * w + x] for x in range(w) for y in (0, h - 1)]
    border += [pixels[y * w + x] for y in range(h) for x in (0, w - 1)]
    white = sum(1 for p in border if min(p) >= WHITE_THRESHOLD)
    share = white / len(border) if border else 0.0
    return {
        "dominant_colour": dominant,
        "white_background": share >= WHITE_SHARE,
        "white_border_share": round(share, 3),
    }


def inspect_image(data: bytes, *, max_bytes: int, max_pixels: int) -> InspectedImage:
    """Refuse anything that is not a complete, reasonably sized image of an allowed format; read its metadata."""
    if len(data) > max_bytes:
        raise ValidationError(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB.",
            code="too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            fmt = img.format or ""
            width, height = img.size
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(
                    f"{fmt or 'This'} images are not accepted; use JPEG, PNG, WebP or GIF.", code="format"
                )
            if width * height > max_pixels:
                raise ValidationError(
                    f"The image is {width}×{height} ({width * height / 1e6:.0f} MP); the limit is "
                    f"{max_pixels / 1e6:.0f} MP.",
                    code="too_many_pixels",
                )
            img.verify()  # structure and checksums
            img = Image.open(io.BytesIO(data))
            img.load()  # decodes every pixel: a truncated file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("The image declares too many pixels (decompression bomb); refused.", code="bomb") from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "The file is not an image (its content is not JPEG, PNG, WebP or GIF).", code="not_image"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"The image is damaged or truncated and cannot be read ({exc}).", code="corrupt") from exc

    metadata: dict[str, Any] = {
        "width": width,
        "height": height,
        "format": fmt,
        "mode": img.mode,
        "aspect_ratio": round(width / height, 4) if height else None,
    }
    metadata.update(_exif(img))
    metadata.update(_colour_facts(img))
    return InspectedImage(
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        extension=ALLOWED_FORMATS[fmt],
        width=width,
        height=height,
        size_bytes=len(data),
        metadata=metadata,
    )
