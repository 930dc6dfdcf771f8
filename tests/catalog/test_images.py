import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from catalog.demo import demo_image
from catalog.models import ProductImage
from catalog.services import image_add, image_delete

from .factories import ProductFactory

pytestmark = pytest.mark.django_db


def _jpeg_with_exif(colour=(255, 255, 255)):
    img = Image.new("RGB", (300, 200), colour)
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS 5D"  # Model
    exif[0x0112] = 1  # Orientation
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_image_add_extracts_metadata_and_becomes_primary():
    product = ProductFactory(title="Blue Mug")
    image = image_add(product=product, upload=demo_image((40, 110, 200), 1), filename="mug.png")
    assert image.is_primary is True
    assert image.alt_text == "Blue Mug"
    assert (image.width, image.height) == (480, 480)
    meta = image.metadata
    assert meta["format"] == "PNG"
    assert meta["aspect_ratio"] == 1.0
    assert meta["white_background"] is True
    assert len(image.sha256) == 64


def test_exif_and_non_white_background():
    product = ProductFactory()
    image = image_add(product=product, upload=_jpeg_with_exif((200, 30, 30)), filename="red.jpg")
    assert image.metadata["camera_make"] == "Canon"
    assert image.metadata["camera_model"] == "EOS 5D"
    assert image.metadata["orientation"] == 1
    assert image.metadata["white_background"] is False
    assert image.metadata["dominant_colour"].startswith("#")


def test_duplicate_image_is_refused_naming_the_existing_one():
    product = ProductFactory()
    data = demo_image((30, 30, 30), 7)
    first = image_add(product=product, upload=data, filename="front.png")
    with pytest.raises(ValidationError) as exc:
        image_add(product=product, upload=data, filename="again.png")
    assert f"image #{first.pk}" in exc.value.messages[0]
    assert "front.png" in exc.value.messages[0]
    assert ProductImage.objects.count() == 1


def test_same_image_on_another_product_is_fine():
    data = demo_image((30, 30, 30), 7)
    image_add(product=ProductFactory(), upload=data)
    image_add(product=ProductFactory(), upload=data)
    assert ProductImage.objects.count() == 2


def test_non_image_renamed_jpg_is_refused():
    with pytest.raises(ValidationError) as exc:
        image_add(product=ProductFactory(), upload=b"%PDF-1.4 not really an image", filename="photo.jpg")
    assert exc.value.code == "not_image"
    assert not ProductImage.objects.exists()


def test_truncated_image_is_refused():
    data = _jpeg_with_exif()
    with pytest.raises(ValidationError) as exc:
        image_add(product=ProductFactory(), upload=data[: len(data) // 2], filename="cut.jpg")
    assert exc.value.code == "corrupt"


def test_oversized_file_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        image_add(product=ProductFactory(), upload=demo_image((1, 2, 3), 1))
    assert exc.value.code == "too_large"


def test_pixel_limit_and_decompression_bomb(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    big = io.BytesIO()
    Image.new("L", (200, 200), 255).save(big, "PNG")
    with pytest.raises(ValidationError) as exc:
        image_add(product=ProductFactory(), upload=big.getvalue())
    assert exc.value.code == "too_many_pixels"
    # a tiny file declaring an enormous canvas: refused from the header, never decoded
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(bomb, "PNG")
    settings.IMAGE_MAX_PIXELS = 50_000_000
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(ValidationError) as exc:
        image_add(product=ProductFactory(), upload=bomb.getvalue())
    assert exc.value.code in {"too_many_pixels", "bomb"}


def test_unsupported_format_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    with pytest.raises(ValidationError) as exc:
        image_add(product=ProductFactory(), upload=out.getvalue(), filename="x.bmp")
    assert exc.value.code == "format"


def test_deleting_primary_promotes_next():
    product = ProductFactory()
    first = image_add(product=product, upload=demo_image((1, 1, 1), 1))
    second = image_add(product=product, upload=demo_image((1, 1, 1), 2))
    assert second.is_primary is False
    image_delete(image=first)
    second.refresh_from_db()
    assert second.is_primary is True
