"""A label photographed 5-12 degrees askew is turned level by the angle its text lines show before OCR
(intake/analysis/deskew.py, docs/intake.md#phase-1); generated photos, Debian's tesseract."""

import io

import pytest
from PIL import Image, ImageOps

from intake.analysis import deskew, ocr
from intake.choices import PhaseName
from intake.models import IntakeLog, IntakePhase
from intake.services import intake_item_create, intake_phase_run

from .photos import label_photo, plain_photo, upload

LINES = ("Brand: Acme", "Model: XR-200", "Size: 500 ml", "Brand new")
EXPECTED = {"brand": "Acme", "model": "XR-200", "size": "500 ml", "condition": "new"}
GTIN = "4006381333931"
needs_tesseract = pytest.mark.skipif(not ocr.tesseract_version(), reason="tesseract is installed by make ocr")


def _grey(data: bytes) -> Image.Image:
    return ImageOps.autocontrast(Image.open(io.BytesIO(data)).convert("L"))


@pytest.mark.parametrize(("rotate", "barcode"), [(r, b) for r in (-12, -8, -5, 5, 8, 12) for b in (GTIN, None)])
def test_the_skew_of_a_turned_label_is_found_within_half_a_degree(rotate, barcode):
    # given a label (with and without a barcode beside the text) turned counter-clockwise by `rotate` degrees
    photo = _grey(label_photo(lines=LINES, rotate=rotate, barcode=barcode))
    # when its skew is estimated, then it is the angle it was turned by
    assert abs(deskew.estimate_skew(photo) - rotate) <= 0.5


@pytest.mark.parametrize(
    "photo_case",
    [
        label_photo(lines=LINES, barcode=GTIN),
        plain_photo(seed=3),
        label_photo(barcode=GTIN, box_colour=None),
        label_photo(box_colour=None),
    ],
    ids=["level label", "plain photo", "barcode only", "blank"],
)
def test_a_level_or_textless_photo_is_left_as_it_is(photo_case):
    assert deskew.estimate_skew(_grey(photo_case)) == 0.0


@needs_tesseract
@pytest.mark.parametrize("rotate", [-12, -8, 5, 8, 12])
def test_a_label_turned_5_to_12_degrees_gives_every_fact(rotate):
    # given a label turned by `rotate` degrees (read before the deskew step: 1 to 3 of these 4 facts, except at 12)
    photo = Image.open(io.BytesIO(label_photo(lines=LINES, rotate=rotate, barcode=GTIN)))
    # when it is read
    reading = ocr.read_label(photo)
    # then every fact is read, and the reading says how far the text was turned
    facts = {field: fact["value"] for field, fact in ocr.label_facts(ocr.lines_of(reading.words)).items()}
    assert facts == EXPECTED
    assert abs(reading.skew_degrees - rotate) <= 0.5


@needs_tesseract
def test_a_label_turned_minus_5_degrees_gives_brand_model_and_size():
    # read before the deskew step: the brand and a cut size ("500 m") only
    photo = Image.open(io.BytesIO(label_photo(lines=LINES, rotate=-5, barcode=GTIN)))
    facts = {f: fact["value"] for f, fact in ocr.label_facts(ocr.lines_of(ocr.read_words(photo))).items()}
    assert {f: facts.get(f) for f in ("brand", "model", "size")} == {
        "brand": "Acme",
        "model": "XR-200",
        "size": "500 ml",
    }


@needs_tesseract
@pytest.mark.slow
@pytest.mark.django_db
def test_the_analysis_records_the_angle_each_photo_was_turned_level_from(intake_user):
    # given an item with a label turned 8 degrees and a level one
    photos = [upload(label_photo(lines=LINES, rotate=8), "askew.png"), upload(label_photo(lines=LINES), "level.png")]
    item = intake_item_create(owner=intake_user, photos=photos)
    # when the photo check and the analysis run
    intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    intake_phase_run(item_id=item.pk, phase=PhaseName.ANALYSIS)
    # then the output has each photo's angle, and the completion log line names the askew one
    askew, level = item.photos.order_by("position")
    record = IntakePhase.objects.get(item=item, phase=PhaseName.ANALYSIS)
    assert record.output_version == 2
    [first, second] = record.output["ocr_skew"]
    assert (first["photo_id"], second) == (askew.pk, {"photo_id": level.pk, "degrees": 0.0})
    assert abs(first["degrees"] - 8) <= 0.5
    log = IntakeLog.objects.get(item=item, phase=PhaseName.ANALYSIS, action="complete")
    assert log.details["output"]["ocr_skew_degrees"] == {str(askew.pk): first["degrees"]}
