"""Reads of intake items (row-level visibility: owners see theirs, supervisors and admins all) and the catalog
facts the analysis needs."""

from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from accounts.roles import allowed_channel_ids, can_see_all_intake, can_view
from catalog.models import Product, Variant
from channels.models import Channel
from listings.models import Listing

from .choices import IntakeStatus, LogLevel
from .models import IntakeItem, IntakeLog


def intake_item_list(*, user: Any, status: str = "") -> QuerySet[IntakeItem]:
    """The items `user` may see, newest first."""
    qs = IntakeItem.objects.select_related("owner", "product").prefetch_related("photos")
    if not can_view(user):
        return qs.none()
    if not can_see_all_intake(user):
        qs = qs.filter(owner=user)
    if status:
        qs = qs.filter(status=status)
    return qs


def intake_item_get(*, user: Any, pk: int) -> IntakeItem:
    """One visible item (IntakeItem.DoesNotExist when it is not there or belongs to someone the user may not see)."""
    return intake_item_list(user=user).prefetch_related("phases", "hint_channels").get(pk=pk)


def intake_dashboard_counts(*, user: Any) -> dict[str, int]:
    return intake_item_list(user=user).aggregate(
        total=Count("id"),
        running=Count("id", filter=Q(is_running=True)),
        needs_review=Count("id", filter=Q(status=IntakeStatus.NEEDS_REVIEW)),
        completed=Count("id", filter=Q(status=IntakeStatus.COMPLETED)),
        errors=Count("id", filter=Q(status=IntakeStatus.ERROR)),
    )


def intake_log_list(*, item: IntakeItem, phase: str = "", level: str = "") -> QuerySet[IntakeLog]:
    qs = item.logs.select_related("user")
    if phase:
        qs = qs.filter(phase=phase)
    if level:
        levels = list(LogLevel.values)
        qs = qs.filter(level__in=levels[levels.index(level) :]) if level in levels else qs.none()
    return qs


def product_visible_to(product: Product, user: Any) -> bool:
    """May `user` see this catalog product? Readers see the catalog; a user limited to some channels sees the
    products listed on one of them and the products not listed anywhere yet."""
    if user is None:
        return True
    if not can_view(user):
        return False
    ids = allowed_channel_ids(user)
    if ids is None:
        return True
    channels = set(Listing.objects.filter(product=product).values_list("channel_id", flat=True))
    return not channels or bool(channels & ids)


def catalog_match_by_gtin(gtin: str) -> tuple[Product | None, Variant | None]:
    """The product (and variant) whose barcode is `gtin`; product barcodes win over variant barcodes."""
    product = Product.objects.select_related("category").filter(barcode=gtin).order_by("id").first()
    if product is not None:
        return product, None
    variant = Variant.objects.select_related("product__category").filter(barcode=gtin).order_by("id").first()
    if variant is not None:
        return variant.product, variant
    return None, None


def catalog_fingerprint() -> str:
    """Changes whenever a product is added, removed or edited: the key of the cached category classifier."""
    facts = Product.objects.filter(category__isnull=False).aggregate(n=Count("id"), last=Max("updated_at"))
    return f"{facts['n']}:{facts['last']}"


def catalog_training_examples() -> tuple[list[str], list[int]]:
    """(text, category id) of every categorised product: title, brand and manufacturer."""
    rows = Product.objects.filter(category__isnull=False).values_list("title", "brand", "manufacturer", "category_id")
    texts, labels = [], []
    for title, brand, manufacturer, category_id in rows.iterator(chunk_size=2000):
        texts.append(" ".join(part for part in (title, brand, manufacturer) if part))
        labels.append(int(category_id))
    return texts, labels


def research_channel(owner: Any) -> Channel | None:
    """The channel market research asks (docs/intake.md#phase-2): the first active Amazon channel the item's owner
    may use (a user limited to some channels: one of those), else None."""
    qs = Channel.objects.filter(marketplace="amazon", is_active=True)
    ids = allowed_channel_ids(owner)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("pk").first()
