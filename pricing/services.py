"""Writes of the pricing app: channel fees (docs/pricing.md#fees-and-margins). Pages, API and admin call these."""

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels.models import Channel
from common.actors import Actor as User
from common.enqueue import enqueue
from common.errors import ApplicationError
from common.saving import fields_save
from listings.effective import effective_price
from listings.models import Listing
from syncing.connectors.amazon.fees import FeeQuery
from syncing.connectors.base import ConnectorError
from syncing.services.connection import connector_for

from .history_tasks import listing_margins_refresh_task
from .models import ChannelFee, FeeEstimate, ListingMargin
from .selectors import listings_margins

logger = logging.getLogger(__name__)

# The fields each entry point (form, serializer, admin) offers, in the order it shows them.
CHANNEL_FEE_FIELDS: tuple[str, ...] = (
    "channel",
    "category",
    "referral_pct",
    "referral_min",
    "payment_pct",
    "fixed_fee",
    "fulfilment_fee",
    "prices_include_tax",
    "tax_rate",
    "margin_floor_pct",
    "use_fee_estimates",
)
# Listings estimated per run (Amazon: 20 per getMyFeesEstimates call at 0.5 requests/s, so about 50 s per run)
FEE_ESTIMATE_MAX = 500


@transaction.atomic
def channel_fee_create(*, user: User = None, **fields: Any) -> ChannelFee:
    fee = fields_save(ChannelFee(), fields, CHANNEL_FEE_FIELDS, user)
    channel_margins_refresh(channel_ids=[fee.channel_id])
    return fee


@transaction.atomic
def channel_fee_update(*, fee: ChannelFee, user: User = None, **fields: Any) -> ChannelFee:
    before = ChannelFee.objects.filter(pk=fee.pk).values_list("channel_id", flat=True).first()
    fee = fields_save(fee, fields, CHANNEL_FEE_FIELDS, user)
    channel_margins_refresh(channel_ids={fee.channel_id, before or fee.channel_id})
    return fee


@transaction.atomic
def channel_fee_delete(*, fee: ChannelFee, user: User = None) -> None:
    channel_id = fee.channel_id
    fee.delete()
    channel_margins_refresh(channel_ids=[channel_id])


# --- Stored margins (docs/pricing.md#stored-margins) ---

MARGIN_CHUNK = 500  # listings computed and upserted per statement set
MARGIN_FIELDS = ["price", "landed_cost", "fees", "net_margin", "net_margin_pct", "floor_pct", "below_floor"]


def listing_margins_refresh(*, listing_ids: Collection[int]) -> int:
    """Recompute and store the net margin of these listings at their effective prices: per MARGIN_CHUNK listings
    four reads (listings, stored landed costs, fee rows, rates) and one upsert, never a statement per listing.
    A listing without a price gets no row. Returns the number of rows written."""
    written = 0
    ordered = sorted(set(listing_ids))
    now = timezone.now()
    for start in range(0, len(ordered), MARGIN_CHUNK):
        chunk = ordered[start : start + MARGIN_CHUNK]
        listings = list(
            Listing.objects.filter(pk__in=chunk).select_related("product", "product__category", "variant", "channel")
        )
        rows = []
        for costs in listings_margins(listings):
            if costs.price.value is None or costs.price.value <= 0:
                continue
            margin = costs.margin
            rows.append(
                ListingMargin(
                    listing=costs.listing,
                    price=costs.price.value,
                    landed_cost=costs.landed_cost,
                    fees=margin.fees.total if margin else None,
                    net_margin=margin.net_margin if margin else None,
                    net_margin_pct=margin.net_margin_pct if margin else None,
                    floor_pct=costs.floor_pct,
                    below_floor=margin.below_floor if margin else True,
                    computed_at=now,
                )
            )
        with transaction.atomic():
            ListingMargin.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["listing"], update_fields=[*MARGIN_FIELDS, "computed_at"]
            )
        written += len(rows)
    return written


def _margins_refresh_or_enqueue(listing_ids: Collection[int]) -> None:
    """Inline for up to PRICE_HISTORY_INLINE_MAX listings; above that, queued tasks of TASK_CHUNK ids each, so a
    fee edit on a 100,000-listing channel stays a quick write."""
    ids = sorted(set(listing_ids))
    if len(ids) <= settings.PRICE_HISTORY_INLINE_MAX:
        listing_margins_refresh(listing_ids=ids)
        return
    for start in range(0, len(ids), MARGIN_TASK_CHUNK):
        enqueue(listing_margins_refresh_task, ids[start : start + MARGIN_TASK_CHUNK], group="margins")


MARGIN_TASK_CHUNK = 5_000


def channel_margins_refresh(*, channel_ids: Collection[int]) -> None:
    """A fee row of these channels changed: their listings' stored margins follow."""
    _margins_refresh_or_enqueue(Listing.objects.filter(channel_id__in=list(channel_ids)).values_list("pk", flat=True))


def landed_costs_changed(*, product_ids: Collection[int], **_: Any) -> None:
    """Handler of `inventory.landed_costs_changed` (already in a task, per chunk of products): the listings of
    those products get their stored margins recomputed in bulk."""
    listing_margins_refresh(
        listing_ids=Listing.objects.filter(product_id__in=list(product_ids)).values_list("pk", flat=True)
    )


def currency_rate_changed(*, currency: str, **_: Any) -> None:
    """Handler of `inventory.currency_rate_changed`: a margin converts the landed cost (a cost price is in its
    product's currency) into the channel's currency, so the listings on either side of that rate follow."""
    listings = Listing.objects.filter(Q(channel__currency=currency) | Q(product__currency=currency))
    _margins_refresh_or_enqueue(listings.values_list("pk", flat=True))


def runtime_setting_changed(*, key: str, **_: Any) -> None:
    """Handler of `accounts.runtime_setting_changed`: a new default margin floor moves `below_floor` of every
    listing whose fee row sets no floor of its own. Which row applies depends on each product's category, so every
    listing is refreshed (queued in chunks when many); a setting changes rarely."""
    if key == "pricing.default_margin_floor":
        _margins_refresh_or_enqueue(Listing.objects.values_list("pk", flat=True))


def listing_margins_refresh_all() -> int:
    """Every listing (nightly, and `manage.py refresh_margins`): catches a changed default floor or rate."""
    return listing_margins_refresh(listing_ids=Listing.objects.values_list("pk", flat=True))


@dataclass
class EstimateRun:
    estimated: int = 0
    refused: int = 0
    skipped: int = 0  # no price, or over FEE_ESTIMATE_MAX


def fee_estimates_refresh(
    *, channel: Channel, listing_ids: Collection[int] | None = None, fulfilled_by_amazon: bool = False
) -> EstimateRun:
    """Ask Amazon's Product Fees API what each published listing of `channel` is charged per unit at its current
    price, and keep the newest answer per listing (docs/pricing.md#amazon-fee-estimates). A listing Amazon gives
    no estimate for keeps the reason in `error`. Refused for another marketplace or a paused channel; a failure of
    the call as a whole (auth, throttling, server) raises with Amazon's message and keeps the earlier estimates."""
    if channel.marketplace != "amazon":
        raise ApplicationError(
            f"{channel} is not an Amazon channel: fee estimates come from Amazon's Product Fees API."
        )
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    listings = Listing.objects.filter(channel=channel).exclude(external_id="").select_related("product", "variant")
    if listing_ids is not None:
        listings = listings.filter(pk__in=list(listing_ids))
    run = EstimateRun()
    queries: list[FeeQuery] = []
    by_sku: dict[str, tuple[Listing, Any]] = {}
    for listing in listings.order_by("pk"):
        price = effective_price(listing).value
        if price is None or price <= 0 or len(queries) >= FEE_ESTIMATE_MAX:
            run.skipped += 1
            continue
        sku = listing.external_id
        queries.append(FeeQuery(sku, price, channel.currency, fulfilled_by_amazon))
        by_sku[sku] = (listing, price)
    if not queries:
        return run
    try:
        estimates = connector_for(channel).fees_estimate(queries)  # type: ignore[attr-defined]
    except ConnectorError as exc:
        raise ApplicationError(f"Amazon gave no fee estimates: {exc}") from exc
    now = timezone.now()
    rows = []
    for estimate in estimates:
        listing, price = by_sku[estimate.sku]
        rows.append(
            FeeEstimate(
                listing=listing,
                price=price,
                currency=channel.currency,
                fulfilled_by_amazon=fulfilled_by_amazon,
                total_fee=estimate.total if not estimate.error else None,
                referral_fee=estimate.referral,
                fulfilment_fee=estimate.fulfilment,
                closing_fee=estimate.closing,
                other_fees=estimate.other,
                marketplace_time=estimate.estimated_at[:40],
                error=estimate.error[:500],
                estimated_at=now,
            )
        )
        if estimate.error:
            run.refused += 1
        else:
            run.estimated += 1
    names = ["price", "currency", "fulfilled_by_amazon", "total_fee", "referral_fee", "fulfilment_fee",
             "closing_fee", "other_fees", "marketplace_time", "error", "estimated_at"]  # fmt: skip
    with transaction.atomic():
        FeeEstimate.objects.bulk_create(rows, update_conflicts=True, unique_fields=["listing"], update_fields=names)
        listing_margins_refresh(listing_ids=[row.listing.pk for row in rows])
    return run


ESTIMATE_MAX_AGE_DAYS = 7


def fee_estimates_refresh_nightly(*, now: datetime | None = None) -> dict[str, int]:
    """Every night: on each active Amazon channel whose fee row uses estimates, ask again for the listings whose
    estimate is missing, was made at another price, or is older than ESTIMATE_MAX_AGE_DAYS (docs/pricing.md).
    A channel that refuses (throttled, token expired) is logged and skipped; the others go on."""
    now = now or timezone.now()
    channel_ids = ChannelFee.objects.filter(
        use_fee_estimates=True, channel__marketplace="amazon", channel__is_active=True
    ).values_list("channel_id", flat=True)
    totals = {"channels": 0, "estimated": 0, "refused": 0, "failed_channels": 0}
    for channel in Channel.objects.filter(pk__in=set(channel_ids)).order_by("pk"):
        due = _estimates_due(channel, now)
        by_mode: dict[bool, list[int]] = {}
        for listing_id, fba in due:
            by_mode.setdefault(fba, []).append(listing_id)
        totals["channels"] += 1
        for fba, ids in by_mode.items():
            for start in range(0, len(ids), FEE_ESTIMATE_MAX):
                try:
                    run = fee_estimates_refresh(
                        channel=channel, listing_ids=ids[start : start + FEE_ESTIMATE_MAX], fulfilled_by_amazon=fba
                    )
                except ApplicationError as exc:
                    logger.warning("Nightly fee estimates for %s stopped: %s", channel, exc.message)
                    totals["failed_channels"] += 1
                    break
                totals["estimated"] += run.estimated
                totals["refused"] += run.refused
    return totals


def _estimates_due(channel: Channel, now: datetime) -> list[tuple[int, bool]]:
    """(listing id, fulfilled by Amazon) of the published listings whose estimate is due, keeping each listing's
    FBA choice from its last estimate."""
    stale_before = now - timedelta(days=ESTIMATE_MAX_AGE_DAYS)
    listings = (
        Listing.objects.filter(channel=channel)
        .exclude(external_id="")
        .select_related("product", "variant", "fee_estimate")
        .order_by("pk")
    )
    due = []
    for listing in listings:
        estimate = getattr(listing, "fee_estimate", None)
        price = effective_price(listing).value
        if estimate is None or estimate.estimated_at < stale_before or (price is not None and estimate.price != price):
            due.append((listing.pk, bool(estimate.fulfilled_by_amazon) if estimate is not None else False))
    return due
