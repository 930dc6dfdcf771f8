"""Writes for category icons (seed 001 Icon, docs/catalog.md#category-icons): upload with the product images'
checks, one stored copy per category and content, one active icon per category."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from common.actors import Actor as User
from common.actors import actor_or_none as _actor

from ..choices import IconStatus
from ..imaging import InspectedImage, inspect_image
from ..models import Category, CategoryIcon, Product
from .images import upload_bytes
from .readiness import CONTENT, products_payload_changed

ICON_MAX_BYTES = 2 * 1024 * 1024  # an icon, not a photo: 2 MB is plenty (Shopify collection images: docs/catalog.md)
ICON_MAX_PIXELS = 4096 * 4096


def _icon_changed(category: Category) -> None:
    """Products of the category and of its subcategories send the icon as their Shopify collection image."""
    ids = Product.objects.filter(category__path__startswith=category.path).values_list("pk", flat=True)
    products_payload_changed(list(ids), {CONTENT})


def icon_inspect(upload: object) -> tuple[bytes, InspectedImage]:
    """The upload's bytes and facts; ValidationError with the reason when it is no acceptable icon."""
    data = upload_bytes(upload)
    limits = {
        "max_bytes": min(ICON_MAX_BYTES, settings.IMAGE_MAX_BYTES),
        "max_pixels": min(ICON_MAX_PIXELS, settings.IMAGE_MAX_PIXELS),
    }
    return data, inspect_image(data, **limits)


@transaction.atomic
def category_icon_add(*, category: Category, upload: object, filename: str = "", user: User = None) -> CategoryIcon:
    """Store `upload` as the category's active icon (the previous one becomes inactive). The same bytes already
    stored for this category are not stored twice: that icon is made active again."""
    data, facts = icon_inspect(upload)
    Category.objects.select_for_update().filter(pk=category.pk).first()  # one icon change per category at a time
    existing = CategoryIcon.objects.filter(category=category, sha256=facts.sha256).first()
    if existing is not None and existing.status == IconStatus.ACTIVE:
        return existing
    category.icons.filter(status=IconStatus.ACTIVE).update(status=IconStatus.INACTIVE, updated_by=_actor(user))
    if existing is not None:
        existing.status = IconStatus.ACTIVE
        existing.updated_by = _actor(user)
        existing.save(update_fields=["status", "updated_by", "updated_at"])
        _icon_changed(category)
        return existing
    filename = filename or getattr(upload, "name", "") or "icon"
    icon = CategoryIcon(
        category=category,
        sha256=facts.sha256,
        file_size=facts.size_bytes,
        format=facts.format,
        original_filename=filename[:255],
        status=IconStatus.ACTIVE,
        created_by=_actor(user),
        updated_by=_actor(user),
    )
    icon.image.save(f"{facts.sha256}.{facts.extension}", ContentFile(data), save=False)
    icon.full_clean()
    icon.save()
    _icon_changed(category)
    return icon


@transaction.atomic
def category_icon_set_status(*, icon: CategoryIcon, status: str, user: User = None) -> CategoryIcon:
    """Activate an icon (the category's other active icon becomes inactive) or deactivate it."""
    if status not in IconStatus.values:
        raise ValidationError(
            {"status": f"Unknown status '{status}'; use one of: {', '.join(IconStatus.values)}."}, code="invalid"
        )
    icon.status = CategoryIcon.objects.select_for_update().values_list("status", flat=True).get(pk=icon.pk)
    if icon.status == status:
        return icon
    if status == IconStatus.ACTIVE:
        CategoryIcon.objects.filter(category_id=icon.category_id, status=IconStatus.ACTIVE).exclude(pk=icon.pk).update(
            status=IconStatus.INACTIVE, updated_by=_actor(user)
        )
    icon.status = status
    icon.updated_by = _actor(user)
    icon.full_clean()
    icon.save(update_fields=["status", "updated_by", "updated_at"])
    _icon_changed(icon.category)
    return icon


@transaction.atomic
def category_icon_delete(*, icon: CategoryIcon, user: User = None) -> None:
    category = icon.category
    icon.image.delete(save=False)
    icon.delete()
    _icon_changed(category)
