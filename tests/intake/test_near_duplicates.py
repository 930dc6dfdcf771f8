"""Near-duplicates among an item's photos (docs/intake.md#phase-0): a perceptual hash of each photo's subject,
robust to resizing, recompression and a slight crop, that tells apart another view of the same product."""

import io

import pytest
from PIL import Image

from intake.analysis import quality
from intake.choices import PhaseName
from intake.services import intake_item_create, intake_phase_run

from .photos import cropped, label_photo, plain_photo, product_photo, recompressed, upload

LINES = ("Brand: ACME", "Kettle KT-200")
PRODUCT = product_photo()
LABEL = label_photo(lines=LINES, barcode="4006381333931")


def _distance(a: bytes, b: bytes) -> int:
    hashes = [quality.photo_metrics(Image.open(io.BytesIO(data)))["phash"] for data in (a, b)]
    return quality.hamming(*hashes)


@pytest.mark.parametrize(
    ("original", "copy_case"),
    [
        (PRODUCT, recompressed(PRODUCT)),
        (PRODUCT, cropped(PRODUCT)),
        (PRODUCT, cropped(PRODUCT, sides="top-left")),
        (PRODUCT, recompressed(cropped(PRODUCT), scale=0.7)),
        (LABEL, recompressed(LABEL)),
        (LABEL, cropped(LABEL)),
        (LABEL, cropped(LABEL, sides="top-left")),
    ],
    ids=[
        "product resized 50% JPEG q60",
        "product cropped 3%",
        "product cropped 3% top-left",
        "product cropped and recompressed",
        "label resized 50% JPEG q60",
        "label cropped 3%",
        "label cropped 3% top-left",
    ],
)
def test_a_resized_recompressed_or_slightly_cropped_copy_is_a_near_duplicate(original, copy_case):
    assert _distance(original, copy_case) <= quality.NEAR_DUPLICATE_BITS


@pytest.mark.parametrize(
    ("first", "other_case"),
    [
        (PRODUCT, product_photo(angle=15)),
        (PRODUCT, product_photo(angle=-25)),
        (PRODUCT, product_photo(perspective=0.15)),
        (PRODUCT, product_photo(pattern="dots", colour="#8e44ad")),
        (LABEL, label_photo(lines=("Model: ZX-9", "500 ml", "Made in MY"))),
        (LABEL, plain_photo()),
        (plain_photo(seed=1), plain_photo(seed=2)),
    ],
    ids=[
        "product turned 15 degrees",
        "product turned -25 degrees",
        "product seen from the side",
        "another pattern",
        "another label",
        "label and a plain photo",
        "two plain photos",
    ],
)
def test_another_view_or_another_picture_is_not_a_near_duplicate(first, other_case):
    hashes = [quality.photo_metrics(Image.open(io.BytesIO(data)))["phash"] for data in (first, other_case)]
    assert quality.near_duplicates(hashes) == {}


def test_a_plain_photo_has_no_shape_to_hash():
    assert quality.photo_metrics(Image.open(io.BytesIO(plain_photo())))["phash"] == ""


@pytest.mark.django_db
def test_the_photo_check_names_the_photo_each_near_duplicate_repeats(intake_user):
    # given a product, the same product turned 15 degrees, a recompressed copy of the turned one and a cropped copy
    # of the first
    turned = product_photo(angle=15)
    photos = [
        upload(PRODUCT, "front.png"),
        upload(turned, "turned.png"),
        upload(recompressed(turned), "turned-again.jpg"),
        upload(cropped(PRODUCT), "front-cropped.png"),
    ]
    item = intake_item_create(owner=intake_user, photos=photos)
    # when the photo check runs
    intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    # then the other view is fine and each copy names the photo it repeats
    verdicts = [(p.original_filename, p.verdict, p.retake_reasons) for p in item.photos.all()]
    assert verdicts == [
        ("front.png", "ok", []),
        ("turned.png", "ok", []),
        ("turned-again.jpg", "retake", ["near-duplicate of photo 2"]),
        ("front-cropped.png", "retake", ["near-duplicate of photo 1"]),
    ]
