"""Reads of the automation rules (docs/automation.md): the values conditions and templates see for a listing, the
listings an event or a stock row is about, the open competitor alerts a dry run looks at, and the log."""

import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from analytics.models import ListingScoreLatest
from competitors.choices import OPEN_ALERT_STATUSES
from competitors.models import Alert
from listings.choices import ListingStatus
from listings.models import Listing
from orders.models import OrderLine

from .choices import EvaluationOutcome
from .models import AutomationRule, ListingTag, RuleEvaluation

CHUNK = 500


def candidate_ids(listing_ids: Sequence[int] | None = None) -> list[int]:
    """The listings a rule may act on: the given ones, else every listing not delisted."""
    rows = Listing.objects.exclude(status=ListingStatus.DELISTED)
    if listing_ids is not None:
        rows = rows.filter(pk__in=list(listing_ids))
    return list(rows.order_by("pk").values_list("pk", flat=True))


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def listing_values(listing_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per listing, the condition fields (workflow.rule_config.CONDITION_FIELDS) and the template names."""
    rows = Listing.objects.filter(pk__in=list(listing_ids)).select_related(
        "product", "product__category", "variant", "channel"
    )
    tags: dict[int, list[str]] = {}
    for listing_id, tag in ListingTag.objects.filter(listing_id__in=listing_ids).values_list("listing_id", "tag"):
        tags.setdefault(listing_id, []).append(tag)
    scores = dict(
        ListingScoreLatest.objects.filter(listing_id__in=listing_ids).values_list("listing_id", "total_score")
    )
    values = {}
    for listing in rows:
        product, channel, variant, category = (
            listing.product,
            listing.channel,
            listing.variant,
            listing.product.category,
        )
        catalog_price = variant.price if variant is not None and variant.price is not None else product.price
        price = listing.price if listing.price is not None else catalog_price
        sku = variant.sku if variant is not None else product.sku
        values[listing.pk] = {
            "listing.id": listing.pk,
            "listing.status": listing.status,
            "listing.remote_status": listing.remote_status,
            "listing.price": price,
            "listing.external_id": listing.external_id,
            "listing.tags": sorted(tags.get(listing.pk, [])),
            "listing.score": scores.get(listing.pk),
            "product.sku": sku,
            "product.title": product.title,
            "product.brand": product.brand,
            "product.status": product.status,
            "product.category": category.name if category is not None else "",
            "channel.id": channel.pk,
            "channel.name": channel.name,
            "channel.marketplace": channel.marketplace,
            "channel.country": channel.country,
            # template names (workflow.rule_config.TEMPLATE_NAMES)
            "listing_id": listing.pk,
            "sku": sku,
            "title": listing.title or product.title,
            "brand": product.brand,
            "channel": channel.name,
            "marketplace": channel.marketplace,
            "asin": listing.external_id,
            "price": price,
            "status": listing.status,
        }
    return values


def listings_of_order(order_id: int) -> list[int]:
    """Our listings of an order's lines: on the order's channel, of the line's variant (or product)."""
    lines = OrderLine.objects.filter(order_id=order_id, stock__isnull=False).select_related("stock", "order")
    wanted = Q(pk__in=[])
    channel_id = None
    for line in lines:
        channel_id, stock = line.order.channel_id, line.stock
        if stock is not None:
            wanted |= _stock_match(stock.product_id, stock.variant_id)
    if channel_id is None:
        return []
    return list(Listing.objects.filter(wanted, channel_id=channel_id).values_list("pk", flat=True))


def listings_of_stock(product_id: int, variant_id: int | None) -> list[int]:
    return list(Listing.objects.filter(_stock_match(product_id, variant_id)).values_list("pk", flat=True))


def _stock_match(product_id: int, variant_id: int | None) -> Q:
    if variant_id:
        return Q(variant_id=variant_id)
    return Q(product_id=product_id, variant__isnull=True)


def open_alerts(listing_ids: Sequence[int], alert_types: Sequence[str]) -> dict[int, Alert]:
    """The newest open competitor alert of these types per listing (what a dry run of a competitive rule sees)."""
    found: dict[int, Alert] = {}
    rows = (
        Alert.objects.filter(status__in=OPEN_ALERT_STATUSES, alert_type__in=alert_types)
        .filter(affected_listings__in=list(listing_ids))
        .order_by("-last_seen_at")
        .values_list("affected_listings", "pk", "alert_type", "change_pct")
    )
    for listing_id, alert_id, alert_type, change_pct in rows:
        if listing_id not in found:
            found[listing_id] = Alert(pk=alert_id, alert_type=alert_type, change_pct=change_pct)
    return found


def fired_since(rule: AutomationRule, since: datetime, *, dry_run: bool) -> int:
    """How often the rule fired since `since` (the daily cap counts these)."""
    return RuleEvaluation.objects.filter(
        rule=rule, outcome=EvaluationOutcome.MATCHED, dry_run=dry_run, created_at__gte=since
    ).count()


def start_of_today(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


# What the active rules wait for, read at most every WAITING_MAX_AGE seconds per process: the event handlers ask on
# every push, order and stock movement, so they must not query each time. A rule saved in this process clears it
# at once; other processes see a new rule within WAITING_MAX_AGE (docs/automation.md#events).
WAITING_MAX_AGE = 5.0
_waiting: dict[str, Any] = {"at": None, "events": frozenset(), "competitive": False}


def _waiting_now() -> dict[str, Any]:
    now = time.monotonic()
    if _waiting["at"] is None or now - _waiting["at"] > WAITING_MAX_AGE:
        rows = AutomationRule.objects.filter(is_active=True, trigger_type__in=["event", "competitive"])
        kinds = list(rows.values_list("trigger_type", "trigger_config"))
        events = frozenset(
            config.get("event_type") for kind, config in kinds if kind == "event" and isinstance(config, dict)
        )
        _waiting.update(at=now, events=events, competitive=any(kind == "competitive" for kind, _ in kinds))
    return _waiting


def waiting_clear() -> None:
    _waiting["at"] = None


def rules_with_event(event_type: str) -> bool:
    """Whether an active event rule waits for `event_type`."""
    return event_type in _waiting_now()["events"]


def competitive_rules_active() -> bool:
    return bool(_waiting_now()["competitive"])


def rule_list() -> QuerySet[AutomationRule]:
    return AutomationRule.objects.all()


def evaluation_list(rule: AutomationRule) -> QuerySet[RuleEvaluation]:
    return rule.evaluations.select_related("listing", "listing__product", "listing__channel")
