"""Upload: 1-20 checked photos and hints make an item whose photo check is queued; a bad photo refuses the whole
upload with a message per photo, and nothing is written or queued."""

import io
import struct
import zlib
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django_q.models import OrmQ
from PIL import Image

from common.errors import ApplicationError
from intake.choices import IntakeStatus, PhaseName
from intake.models import IntakeItem, IntakeLog, IntakePhoto
from intake.services import intake_item_create
from tests.intake.photos import label_photo, plain_photo, upload

pytestmark = pytest.mark.django_db


def _bomb() -> bytes:
    """A small PNG whose header declares 30000 x 30000 pixels (900 MP): IHDR rewritten with a fresh CRC."""
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = 8  # after the signature: length (4), type (4), data (13), crc (4)
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", 30000, 30000)
    data[ihdr + 21 : ihdr + 25] = struct.pack(">I", zlib.crc32(bytes(data[ihdr + 4 : ihdr + 21])))
    return bytes(data)


def _nothing_written():
    assert IntakeItem.objects.count() == 0
    assert IntakePhoto.objects.count() == 0
    assert IntakeLog.objects.count() == 0
    assert OrmQ.objects.count() == 0
    private = Path(settings.MEDIA_ROOT).parent / "private"
    assert not private.exists() or not any(p.is_file() for p in private.rglob("*"))


def test_upload_stores_photos_and_queues_the_photo_check(intake_user):
    item = intake_item_create(
        owner=intake_user,
        photos=[upload(label_photo(barcode="4006381333931"), "front.png"), upload(plain_photo(), "side.png")],
        hint_name=" Kettle ",
        hint_condition="new",
    )
    assert item.status == IntakeStatus.PROCESSING
    assert item.is_running is True
    assert item.current_phase == PhaseName.PHOTO_CHECK
    assert item.hint_name == "Kettle"
    photos = list(item.photos.all())
    assert [(p.position, p.original_filename, p.content_type) for p in photos] == [
        (0, "front.png", "image/png"),
        (1, "side.png", "image/png"),
    ]
    stored = Path(photos[0].image.path)
    assert stored.is_file()
    assert Path(settings.MEDIA_ROOT) not in stored.parents  # served only through the checked view
    assert OrmQ.objects.count() == 1


@pytest.mark.parametrize(
    ("photos_case", "expected"),
    [
        (
            "not_image_case",
            "Photo 1 (notes.txt): The file is not an image (its content is not JPEG, PNG, WebP or GIF).",
        ),
        ("bomb_case", "Photo 1 (bomb.png): The image declares too many pixels (decompression bomb); refused."),
        ("truncated_case", "Photo 2 (cut.jpg): The image is damaged or truncated and cannot be read"),
        ("duplicate_case", "Photo 2 (again.png) is the same file as photo 1."),
        ("too_many_case", "21 photos were sent; an item takes at most 20."),
        ("none_case", "Add at least one photo of the item."),
    ],
)
def test_bad_uploads_are_refused_whole(intake_user, photos_case, expected, settings):
    good = label_photo(barcode="4006381333931")
    jpeg = label_photo(lines=("x",), fmt="JPEG")
    cases = {
        "not_image_case": [upload(b"just some text", "notes.txt")],
        "bomb_case": [upload(_bomb(), "bomb.png")],
        "truncated_case": [upload(good, "ok.png"), upload(jpeg[: len(jpeg) // 2], "cut.jpg")],
        "duplicate_case": [upload(good, "one.png"), upload(good, "again.png")],
        "too_many_case": [upload(plain_photo(seed=n, size=(64, 64)), f"{n}.png") for n in range(21)],
        "none_case": [],
    }
    with mock.patch("intake.services.control.enqueue") as enqueue, pytest.raises(ApplicationError) as refused:
        intake_item_create(owner=intake_user, photos=cases[photos_case])
    assert expected in refused.value.message
    enqueue.assert_not_called()
    _nothing_written()


def test_a_user_without_the_intake_role_cannot_upload(viewer_user):
    with pytest.raises(ApplicationError, match="Your role does not allow photo intake."):
        intake_item_create(owner=viewer_user, photos=[upload(plain_photo())])
    _nothing_written()
