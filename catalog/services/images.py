"""Writes for product images: validation, de-duplication per product, metadata, primary flag."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from common.actors import Actor as User
from common.actors import actor_or_none as _actor

from ..imaging import inspect_image
from ..models import Product, ProductImage
from .readiness import CONTENT, product_readiness_refresh, product_versions_record, products_payload_changed


def upload_bytes(upload: object) -> bytes:
    """The bytes of an upload (a file object, read from its start, or bytes as they are)."""
    if isinstance(upload, bytes):
        return upload
    read = getattr(upload, "read", None)
    if read is None:
        raise ValidationError("No file was uploaded.", code="missing")
    if hasattr(upload, "seek"):
        upload.seek(0)
    return read()  # type: ignore[no-any-return]


@transaction.atomic
def image_add(
    *,
    product: Product,
    upload: object,
    filename: str = "",
    alt_text: str = "",
    is_primary: bool | None = None,
    sort_order: int | None = None,
    user: User = None,
) -> ProductImage:
    """Validate and store one image. A duplicate (same bytes) of an existing image of the product is refused."""
    data = upload_bytes(upload)
    filename = filename or getattr(upload, "name", "") or "image"
    facts = inspect_image(data, max_bytes=settings.IMAGE_MAX_BYTES, max_pixels=settings.IMAGE_MAX_PIXELS)
    existing = ProductImage.objects.filter(product=product, sha256=facts.sha256).first()
    if existing:
        raise ValidationError(
            f"This image is already on the product as image #{existing.pk} "
            f"('{existing.original_filename or existing.image.name}').",
            code="duplicate",
        )
    has_images = product.images.exists()
    primary = (not has_images) if is_primary is None else is_primary
    if primary:
        product.images.filter(is_primary=True).update(is_primary=False)
    if sort_order is None:
        last = product.images.order_by("-sort_order").values_list("sort_order", flat=True).first()
        sort_order = (last or 0) + 1 if has_images else 0
    image = ProductImage(
        product=product,
        sha256=facts.sha256,
        file_size=facts.size_bytes,
        original_filename=filename[:255],
        alt_text=alt_text or product.title[:255],
        is_primary=primary,
        sort_order=sort_order,
        metadata=facts.metadata,
        created_by=_actor(user),
        updated_by=_actor(user),
    )
    image.image.save(f"{facts.sha256}.{facts.extension}", ContentFile(data), save=False)
    image.full_clean()
    image.save()
    product_readiness_refresh(product.pk)
    products_payload_changed([product.pk], {CONTENT})
    product_versions_record([product.pk], user)
    return image


@transaction.atomic
def image_update(
    *,
    image: ProductImage,
    user: User = None,
    alt_text: str | None = None,
    sort_order: int | None = None,
    is_primary: bool | None = None,
) -> ProductImage:
    if alt_text is not None:
        image.alt_text = alt_text
    if sort_order is not None:
        image.sort_order = sort_order
    if is_primary:
        ProductImage.objects.filter(product_id=image.product_id, is_primary=True).exclude(pk=image.pk).update(
            is_primary=False
        )
        image.is_primary = True
    elif is_primary is False:
        image.is_primary = False
    image.updated_by = _actor(user)
    image.full_clean()
    image.save()
    product_readiness_refresh(image.product_id)
    products_payload_changed([image.product_id], {CONTENT})
    if sort_order is not None:
        product_versions_record([image.product_id], user)
    return image


@transaction.atomic
def image_delete(*, image: ProductImage, user: User = None) -> None:
    """Delete an image; if it was primary, the next image becomes primary."""
    product_id, was_primary = image.product_id, image.is_primary
    storage, name = image.image.storage, image.image.name
    image.delete()
    if was_primary:
        nxt = ProductImage.objects.filter(product_id=product_id).order_by("sort_order", "id").first()
        if nxt:
            nxt.is_primary = True
            nxt.save(update_fields=["is_primary"])
    product_readiness_refresh(product_id)
    products_payload_changed([product_id], {CONTENT})
    product_versions_record([product_id], user)
    if name:
        transaction.on_commit(lambda: storage.delete(name))
