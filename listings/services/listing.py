"""One listing's writes: create, change overrides, record what the sync engine learned."""

from collections.abc import Iterable
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.roles import channel_access_check
from catalog.choices import ProductStatus
from catalog.models import Product, Variant
from channels.models import Channel
from common import events
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError
from listings.events import LISTING_PRICES_CHANGED
from listings.models import Listing
from listings.state import listing_status_move

from .changes import LISTING_CONTENT_FIELDS, LISTING_OFFER_FIELDS, listings_changes_mark_exact, parts_for_fields
from .verdicts import READINESS_FIELDS, listings_readiness_refresh
from .versions import content_versions_record

CONTENT_OVERRIDE_FIELDS = ("bullet_points", "search_terms", "short_description", "seo_title", "seo_description")
OVERRIDE_FIELDS = {"title", "description", "price", "compare_at_price", "quantity", *CONTENT_OVERRIDE_FIELDS}
TEXT_OVERRIDE_FIELDS = {"title", "description", "search_terms", "short_description", "seo_title", "seo_description"}
SYNC_FIELDS = {
    "external_id",
    "external_url",
    "channel_payload",
    "remote_snapshot",
    "last_pushed_at",
    "last_pushed_hash",
    "last_pulled_at",
    "last_error_code",
    "last_error_message",
    "drift",
    "pending",
    "pending_since",
}


def _check_overrides(overrides: dict[str, Any]) -> None:
    unknown = sorted(set(overrides) - OVERRIDE_FIELDS)
    if unknown:
        raise ApplicationError(
            f"Unknown listing override(s): {', '.join(unknown)}; allowed: {', '.join(sorted(OVERRIDE_FIELDS))}."
        )


def _existing_listing(channel: Channel, product: Product, variant: Variant | None) -> Listing | None:
    listings = Listing.objects.filter(channel=channel, product=product)
    listings = listings.filter(variant=variant) if variant is not None else listings.filter(variant__isnull=True)
    return listings.only("pk").first()


@transaction.atomic
def listing_create(
    *, product: Product, channel: Channel, variant: Variant | None = None, user: User = None, **overrides: Any
) -> Listing:
    """Offer a product (or one of its variants) on a channel, as a draft with optional overrides."""
    channel_access_check(user, [channel])
    _check_overrides(overrides)
    if product.status == ProductStatus.ARCHIVED:
        raise ApplicationError(f"Product {product.sku} is archived; restore it before listing it.")
    if variant is not None and variant.product_id != product.pk:
        raise ApplicationError(f"Variant {variant.sku} does not belong to product {product.sku}.")
    existing = _existing_listing(channel, product, variant)
    if existing is not None:
        target = variant.sku if variant is not None else product.sku
        raise ApplicationError(
            f"{target} is already listed on {channel.name} (listing #{existing.pk}).",
            extra={"code": "duplicate", "listing_id": existing.pk},
        )
    listing = Listing(product=product, variant=variant, channel=channel, **overrides)
    listing.created_by = listing.updated_by = _actor(user)
    listing.full_clean()
    listing.save()
    events.publish(LISTING_PRICES_CHANGED, listing_ids=[listing.pk], source="", user=user)  # its first price point
    content_versions_record(listing_ids=[listing.pk], user=user)
    listings_readiness_refresh(listing_ids=[listing.pk])
    listing.refresh_from_db(fields=READINESS_FIELDS)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, user: User = None, **overrides: Any) -> Listing:
    """Change overrides; None (or an empty title) clears an override so the product value is used again.

    A change the marketplace would see marks the listing changed since push (docs/sync.md, "Push on change").
    """
    _check_overrides(overrides)
    # Compared with the stored row, not the instance: Django Admin hands over an instance its form already changed.
    before = Listing.objects.filter(pk=listing.pk).values(*OVERRIDE_FIELDS).first() or {}
    for name, value in overrides.items():
        if name in TEXT_OVERRIDE_FIELDS and isinstance(value, str) and not value.strip():
            value = None
        elif name == "short_description" and isinstance(value, str):
            value = nh3.clean(value)
        setattr(listing, name, value)
    listing.updated_by = _actor(user)
    listing.full_clean()
    listing.save()
    changed = [name for name in OVERRIDE_FIELDS if before.get(name) != getattr(listing, name)]
    parts = parts_for_fields(changed, offers=LISTING_OFFER_FIELDS, content=LISTING_CONTENT_FIELDS)
    if parts:
        listings_changes_mark_exact(listing_ids=[listing.pk], parts=parts)
    if "price" in changed:
        events.publish(LISTING_PRICES_CHANGED, listing_ids=[listing.pk], source="", user=user)
    if set(changed) & LISTING_CONTENT_FIELDS:
        content_versions_record(listing_ids=[listing.pk], user=user)
    listings_readiness_refresh(listing_ids=[listing.pk])
    listing.refresh_from_db(fields=[*READINESS_FIELDS, "changed_since_push", "changed_at", "changed_parts"])
    return listing


@transaction.atomic
def listing_sync_state_set(*, listing: Listing, user: User = None, **fields: Any) -> Listing:
    """Record what the sync engine learned (external id, hashes, snapshots, errors, drift) without a status move."""
    unknown = sorted(set(fields) - SYNC_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown listing sync field(s): {', '.join(unknown)}.")
    for name, value in fields.items():
        setattr(listing, name, value)
    listing.updated_by = _actor(user)
    listing.full_clean()
    listing.save(update_fields=[*fields, "updated_by", "updated_at"])
    return listing


def listings_bulk_transition(
    *, listings: Iterable[Listing], to_status: str, user: User = None
) -> tuple[int, list[tuple[Listing, ValidationError | ApplicationError]]]:
    """Move each listing to `to_status` through the state machine, each in its own transaction: a refused
    listing does not stop the others. Returns how many moved and the refused listings with their reason."""
    moved, refused = 0, []
    for listing in listings:
        try:
            listing_status_move(listing=listing, to_status=to_status, user=user)
        except (ValidationError, ApplicationError) as exc:
            refused.append((listing, exc))
        else:
            moved += 1
    return moved, refused
