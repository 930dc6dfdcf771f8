"""A thin wrapper around Debian's tesseract (through pytesseract) and the label facts read from its words.

tesseract is installed by `make ocr`; without it, OCR reports itself unavailable and the fields it would have
filled go to review (docs/intake.md#phase-1).
"""

import logging
import math
import re
import shutil
from dataclasses import dataclass, field
from typing import Any

import pytesseract
from PIL import Image, ImageOps

from .deskew import estimate_skew

logger = logging.getLogger(__name__)

OCR_MIN_SIDE = 1200  # px: smaller photos are enlarged first; tesseract reads ~20 px letters best
OCR_MIN_WORD_CONFIDENCE = 40  # tesseract's per-word confidence (0-100) below which a word is noise
OCR_TIMEOUT = 20  # seconds per photo
# A label photographed askew (docs/intake.md#phase-1) is first turned level by the angle its text lines show
# (intake/analysis/deskew.py). Unless that reading gives OCR_ENOUGH_WORDS words read with confidence, the photo is
# also read as it is and turned by each of these angles (degrees, counter-clockwise), and the reading with the most
# confident letters wins. tesseract itself copes with a few degrees only.
OCR_ENOUGH_WORDS = 3
OCR_SURE_CONFIDENCE = 80  # and their mean confidence at least this
OCR_RETRY_ANGLES = (-20.0, 20.0, -10.0, 10.0, -30.0, 30.0)
OCR_REFINE_DEGREES = 5.0
OCR_SKEW_NUDGES = (0.5, -0.5)  # degrees beside the levelling angle also read on a skewed photo, readings merged
OCR_GOOD_SHARE = 0.5  # readings at other angles that say at least this share of the best one's also count
SIZE_PATTERN = re.compile(r"\b(\d+(?:[.,]\d+)?)\s?(ml|l|g|kg|mm|cm|m|in|oz|lb|gb|tb|w|v|mah)\b", re.IGNORECASE)
NEW_WORDS = re.compile(r"\b(brand[\s-]new|new|sealed|factory[\s-]sealed|unopened)\b", re.IGNORECASE)
USED_WORDS = re.compile(r"\b(used|pre-owned|second[\s-]hand)\b", re.IGNORECASE)
REFURBISHED_WORDS = re.compile(r"\b(refurbished|renewed)\b", re.IGNORECASE)
MODEL_PATTERN = re.compile(r"\b([A-Z]{1,5}-?\d{2,6}[A-Z0-9-]*)\b")
LABELLED = re.compile(r"^\s*(brand|model|size|name)\s*[:=]\s*(.+)$", re.IGNORECASE)


def tesseract_version() -> str:
    if not shutil.which("tesseract"):
        return ""
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError):
        return ""


@dataclass(frozen=True)
class LabelReading:
    """What OCR read on one photo: the words (text, confidence, box on the photo as taken, line) and the angle
    (degrees, counter-clockwise) the text was found turned by and turned back from before reading; 0 when level."""

    words: list[dict[str, Any]] = field(default_factory=list)
    skew_degrees: float = 0.0


def read_label(img: Image.Image, *, deskew: bool = True) -> LabelReading:
    """Read the words of a label photo, turned level first by the skew its text lines show (and half a degree
    either side too: tesseract's line finding is touchy near level; the readings are merged). A photo that still
    reads poorly (turned further than the skew search, or no clear lines) is read again as it is and turned by
    OCR_RETRY_ANGLES, then 5 degrees either side of the best; the boxes of a turned reading are mapped back.
    `deskew=False` skips the levelling (the floor the benchmark measures against: docs/benchmarks.md)."""
    grey = ImageOps.autocontrast(ImageOps.exif_transpose(img).convert("L"))
    skew = estimate_skew(grey) if deskew else 0.0
    if skew:
        logger.info("OCR: text found turned %.1f degrees; read turned level", skew)
    level = -skew if skew else 0.0
    readings = {level: _read_turned(grey, level)}
    if not skew and _is_sure(readings[level]):
        return LabelReading(readings[level], skew)
    for nudge in OCR_SKEW_NUDGES if skew else ():
        readings[level + nudge] = _read_turned(grey, level + nudge)
    if any(_is_sure(words) for words in readings.values()):
        return LabelReading(_merged(readings), skew)
    for angle in (0.0, *OCR_RETRY_ANGLES):
        if angle not in readings:
            readings[angle] = _read_turned(grey, angle)
    best_angle = max(readings, key=lambda angle: _letters(readings[angle]))
    if best_angle:  # then halfway to the neighbouring angles, either side of the best one
        for angle in (best_angle - OCR_REFINE_DEGREES, best_angle + OCR_REFINE_DEGREES):
            if angle not in readings:
                readings[angle] = _read_turned(grey, angle)
    return LabelReading(_merged(readings), skew)


def _merged(readings: dict[float, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The best reading first, then the other good ones: a line one angle misread another may have read whole."""
    ranked = sorted(readings, key=lambda angle: _letters(readings[angle]), reverse=True)
    floor = _letters(readings[ranked[0]]) * OCR_GOOD_SHARE
    words = []
    for angle in ranked:
        if _letters(readings[angle]) >= floor:
            words += [{**word, "line": f"{angle:g}:{word['line']}"} for word in readings[angle]]
    return words


def read_words(img: Image.Image) -> list[dict[str, Any]]:
    """The words of `read_label` alone."""
    return read_label(img).words


def _is_sure(words: list[dict[str, Any]]) -> bool:
    return len(words) >= OCR_ENOUGH_WORDS and sum(w["confidence"] for w in words) / len(words) >= OCR_SURE_CONFIDENCE


def _read_turned(grey: Image.Image, angle: float) -> list[dict[str, Any]]:
    if not angle:
        return _read(grey)
    turned = grey.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    words = _read(turned)
    for word in words:
        word["box"] = _unrotate_box(word["box"], angle, turned.size, grey.size)
    return words


def _letters(words: list[dict[str, Any]]) -> float:
    """How much a reading says: its letters weighted by their word's confidence."""
    return sum(len(word["text"]) * word["confidence"] for word in words)


def _read(grey: Image.Image) -> list[dict[str, Any]]:
    scale = max(1.0, OCR_MIN_SIDE / min(grey.size))
    if scale > 1:
        grey = grey.resize((round(grey.width * scale), round(grey.height * scale)), Image.Resampling.LANCZOS)
    data = pytesseract.image_to_data(grey, output_type=pytesseract.Output.DICT, timeout=OCR_TIMEOUT)
    words = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if not text.strip() or conf < OCR_MIN_WORD_CONFIDENCE:
            continue
        box = [round(data[k][i] / scale) for k in ("left", "top", "width", "height")]
        line = f"{data['block_num'][i]}.{data['par_num'][i]}.{data['line_num'][i]}"
        words.append({"text": text.strip(), "confidence": round(conf), "box": box, "line": line})
    return words


def _unrotate_box(box: list[int], angle: float, turned: tuple[int, int], original: tuple[int, int]) -> list[int]:
    """A box [x, y, w, h] read on the photo turned by `angle` (PIL's rotate, expand=True) as the box around the
    same place on the photo itself."""
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    (turned_w, turned_h), (width, height) = turned, original
    x, y, w, h = box
    points = []
    for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h)):
        dx, dy = px - turned_w / 2, py - turned_h / 2
        points.append((width / 2 + cos * dx - sin * dy, height / 2 + sin * dx + cos * dy))
    x0, y0 = max(0.0, min(p[0] for p in points)), max(0.0, min(p[1] for p in points))
    x1, y1 = min(float(width), max(p[0] for p in points)), min(float(height), max(p[1] for p in points))
    return [round(x0), round(y0), round(max(0.0, x1 - x0)), round(max(0.0, y1 - y0))]


def lines_of(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Words grouped into lines: text, the lowest word confidence, and the box around them."""
    by_line: dict[str, list[dict[str, Any]]] = {}
    for word in words:
        by_line.setdefault(word["line"], []).append(word)
    lines = []
    for group in by_line.values():
        x0 = min(w["box"][0] for w in group)
        y0 = min(w["box"][1] for w in group)
        x1 = max(w["box"][0] + w["box"][2] for w in group)
        y1 = max(w["box"][1] + w["box"][3] for w in group)
        lines.append(
            {
                "text": " ".join(w["text"] for w in group),
                "confidence": min(w["confidence"] for w in group),
                "box": [x0, y0, x1 - x0, y1 - y0],
            }
        )
    return lines


def label_facts(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """brand, model, size and condition words found in label lines, each with the line it came from."""
    facts: dict[str, dict[str, Any]] = {}

    def keep(field: str, value: str, line: dict[str, Any]) -> None:
        if field not in facts and value.strip():
            facts[field] = {"value": value.strip(" .,;:"), "line": line}

    for line in lines:
        text = line["text"]
        labelled = LABELLED.match(text)
        if labelled:
            keep(labelled.group(1).lower(), labelled.group(2), line)
        size = SIZE_PATTERN.search(text)
        if size:
            keep("size", f"{size.group(1)} {size.group(2)}", line)
        if REFURBISHED_WORDS.search(text):
            keep("condition", "refurbished", line)
        elif USED_WORDS.search(text):
            keep("condition", "used", line)
        elif NEW_WORDS.search(text):
            keep("condition", "new", line)
        model = MODEL_PATTERN.search(text)
        if model:
            keep("model", model.group(1), line)
    return facts
