"""A label photographed askew is read turned level (intake/analysis/ocr.py, docs/intake.md#phase-1), with Debian's
tesseract on generated photos; each word's box is mapped back onto the photo as it was taken."""

import io

import pytest
from PIL import Image

from intake.analysis import ocr

from .photos import label_photo

LINES = ("Brand: Acme", "Model: XR-200", "Size: 500 ml", "Brand new")
EXPECTED = {"brand": "Acme", "model": "XR-200", "size": "500 ml", "condition": "new"}

pytestmark = pytest.mark.skipif(not ocr.tesseract_version(), reason="tesseract is installed by make ocr")


def _read(rotate: float) -> tuple[Image.Image, list[dict], dict[str, str]]:
    photo = Image.open(io.BytesIO(label_photo(lines=LINES, rotate=rotate, barcode="4006381333931")))
    words = ocr.read_words(photo)
    facts = {field: fact["value"] for field, fact in ocr.label_facts(ocr.lines_of(words)).items()}
    return photo, words, facts


@pytest.mark.parametrize("rotate", [-20, 30])
def test_a_label_turned_20_to_30_degrees_gives_every_fact(rotate):
    photo, words, facts = _read(rotate)
    assert facts == EXPECTED
    for word in words:  # boxes on the photo as taken, not on the turned copy
        x, y, w, h = word["box"]
        assert x >= 0
        assert y >= 0
        assert x + w <= photo.width
        assert y + h <= photo.height


def test_the_boxes_of_a_turned_reading_land_where_the_words_are():
    # the photo turned 30 degrees counter-clockwise moves the top-left label text down: its first line's box
    # must sit in the left half, below the top edge, where the turned text now is
    photo, words, _ = _read(30)
    brand = next(word for word in words if word["text"].startswith("Acme"))
    x, y, w, h = brand["box"]
    assert x + w / 2 < photo.width / 2
    assert y > 200


def test_a_level_label_is_read_once(monkeypatch):
    reads = []
    original = ocr._read
    monkeypatch.setattr(ocr, "_read", lambda grey: reads.append(grey.size) or original(grey))
    _, _, facts = _read(0)
    assert facts == EXPECTED
    assert len(reads) == 1  # no turned readings when the photo reads with confidence as it is
