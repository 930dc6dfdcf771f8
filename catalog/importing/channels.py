"""The `channels` column: names checked during the dry run, listings created after the commit."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from channels.models import Channel
from common.actors import Actor
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from listings.services import listing_create

from ..models import ImportBatch, ImportRow, Product

logger = logging.getLogger(__name__)


def channel_names() -> dict[str, str]:
    """Every channel name by its lower-case form (channels are few; one query per import run)."""
    return {name.lower(): name for name in Channel.objects.values_list("name", flat=True)}


def import_listings_create(*, batch: ImportBatch, user: Actor = None) -> dict[str, int]:
    """Create a draft listing per product and named channel through `listing_create`.

    A product already listed on a channel is skipped (not an error); other refusals (archived product...) are
    kept on the row. The ids of created listings are kept so that undo can remove them.
    """
    channels = {c.name.lower(): c for c in Channel.objects.all()}
    counts = {"created": 0, "skipped": 0, "failed": 0}
    pending = batch.rows.filter(kind=ImportRow.Kind.CHANNELS, after={}).order_by("row_number")
    for row in pending.iterator():
        product = Product.objects.filter(pk=row.object_id or 0).first()
        created: list[int] = []
        errors: list[dict[str, Any]] = []
        for name in row.values:
            if product is None:
                break
            channel = channels.get(str(name).lower())
            if channel is None:
                errors.append({"column": "channels", "value": name, "message": f"Channel '{name}' no longer exists."})
                continue
            try:
                created.append(listing_create(product=product, channel=channel, user=user).pk)
            except ApplicationError as exc:
                if exc.extra.get("code") == "duplicate":
                    counts["skipped"] += 1
                    continue
                errors.append({"column": "channels", "value": name, "message": exc.message})
            except ValidationError as exc:
                errors.append({"column": "channels", "value": name, "message": "; ".join(exc.messages)})
            except PermissionDenied as exc:  # the uploader is limited to other channels
                errors.append({"column": "channels", "value": name, "message": str(exc)})
        counts["created"] += len(created)
        counts["failed"] += len(errors)
        row.after, row.errors = {"listing_ids": created}, errors
        row.save(update_fields=["after", "errors"])
    logger.info("import %s: listings %s", batch.pk, counts)
    return counts


def import_listings_remove(*, batch: ImportBatch, refused: list[dict[str, Any]]) -> int:
    """For undo: delete the draft listings the batch created; listings that moved on are named in `refused`."""
    ids = [
        pk
        for after in batch.rows.filter(kind=ImportRow.Kind.CHANNELS).values_list("after", flat=True)
        for pk in (after or {}).get("listing_ids", [])
    ]
    if not ids:
        return 0
    moved = Listing.objects.filter(pk__in=ids).exclude(status=ListingStatus.DRAFT).select_related("product", "channel")
    for listing in moved:
        refused.append(
            {
                "row": None,
                "sku": listing.product.sku,
                "reason": f"its listing on {listing.channel.name} is {listing.get_status_display().lower()}; kept",
            }
        )
    return Listing.objects.filter(pk__in=ids, status=ListingStatus.DRAFT).delete()[1].get("listings.Listing", 0)
