"""Writes of the competitors app (docs/competitors.md): tracked competitors and their links to our listings,
observations through the marketplace connectors, the alerts those derive and the threat score, alert status.
Pages, API, admin and tasks call these."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from channels.models import Channel
from common import events
from common.actors import Actor as User
from common.actors import actor_or_none
from common.errors import ApplicationError
from listings.effective import effective_price
from listings.models import Listing
from syncing.connectors.base import ConnectorError, RateLimited
from syncing.connectors.market import CompetitorWatch, ItemCompetition
from syncing.services.connection import connector_for

from .analysis import ACTIVITY_DAYS, Change, pct_change, severity_for, severity_max, threat, thresholds
from .choices import OPEN_ALERT_STATUSES, AlertStatus, AlertType, StockStatus
from .events import ALERT_RECORDED, COMPETITOR_OBSERVED
from .models import Alert, Competitor, CompetitorObservation

# The fields each entry point (form, serializer, admin) offers, in the order it shows them.
COMPETITOR_FIELDS: tuple[str, ...] = (
    "channel",
    "item_id",
    "seller_id",
    "name",
    "tracking_priority",
    "is_active",
)
COMPETITOR_UPDATE_FIELDS: tuple[str, ...] = ("name", "tracking_priority", "is_active")
ALERT_TARGET_STATUSES = (AlertStatus.VIEWED, AlertStatus.ACTIONED, AlertStatus.DISMISSED)


# --- competitors ---


def _listings_check(channel: Channel, listings: Iterable[Listing]) -> list[Listing]:
    rows = list(listings)
    foreign = [str(listing.pk) for listing in rows if listing.channel_id != channel.pk]
    if foreign:
        raise ValidationError({"listings": f"Listings {', '.join(foreign)} are not on {channel.name}."})
    return rows


@transaction.atomic
def competitor_create(*, user: User = None, listings: Iterable[Listing] = (), **fields: Any) -> Competitor:
    """Track another seller's item on a channel (Amazon ASIN, optionally one seller; Etsy listing id)."""
    unknown = set(fields).difference(COMPETITOR_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    competitor = Competitor(**fields)
    competitor.created_by = competitor.updated_by = actor_or_none(user)
    competitor.full_clean()
    competitor.save()
    if listings:
        competitor.listings.set(_listings_check(competitor.channel, listings))
    return competitor


@transaction.atomic
def competitor_update(
    *, competitor: Competitor, user: User = None, listings: Iterable[Listing] | None = None, **fields: Any
) -> Competitor:
    """Rename, reprioritise, pause; the channel and item stay (a different item is a different competitor)."""
    unknown = set(fields).difference(COMPETITOR_UPDATE_FIELDS)
    if unknown:
        raise ApplicationError(f"These fields cannot change: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(competitor, name, value)
    competitor.updated_by = actor_or_none(user)
    competitor.full_clean()
    competitor.save()
    if listings is not None:
        competitor.listings.set(_listings_check(competitor.channel, listings))
    return competitor


@transaction.atomic
def competitor_listings_link(*, competitor: Competitor, listings: Iterable[Listing], user: User = None) -> Competitor:
    """Add listings of ours this competitor competes with (same channel)."""
    competitor.listings.add(*_listings_check(competitor.channel, listings))
    return competitor


@transaction.atomic
def competitor_delete(*, competitor: Competitor, user: User = None) -> None:
    competitor.delete()


# --- observing ---


@dataclass
class ObserveSummary:
    observed: int = 0
    failed: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)


def _fetch(competitor: Competitor) -> ItemCompetition:
    connector = connector_for(competitor.channel)
    if not isinstance(connector, CompetitorWatch):
        raise ApplicationError(f"{competitor.channel.name}: this marketplace's connector cannot observe competitors.")
    return connector.observe_item(competitor.item_id)


def _observation(competitor: Competitor, seen: ItemCompetition, now: datetime) -> CompetitorObservation:
    """The observation of one competitor in what the marketplace returned: one seller's offer, else the item's
    lowest offer. No offer: NULL prices and has_offer False (never 0)."""
    offers = [o for o in seen.offers if o.price is not None]
    if competitor.seller_id:
        offer = next((o for o in offers if o.seller_id == competitor.seller_id), None)
    else:
        offer = min(offers, key=lambda o: o.landed or o.price or Decimal("0"), default=None)
    has_offer = offer is not None and seen.is_active
    return CompetitorObservation(
        competitor=competitor,
        time=now,
        has_offer=has_offer,
        price=offer.price if has_offer and offer else None,
        shipping=offer.shipping if has_offer and offer else None,
        landed_price=(offer.landed or offer.price) if has_offer and offer else None,
        buy_box_price=seen.buy_box_price,
        lowest_price=seen.lowest_price,
        currency=seen.currency[:3],
        has_buy_box=bool(has_offer and offer and offer.has_buy_box),
        is_featured_offer=bool(has_offer and offer and offer.is_featured),
        offer_count=seen.offer_count,
        stock_status=StockStatus.IN_STOCK if has_offer else StockStatus.OUT_OF_STOCK,
        sales_rank=seen.sales_rank,
        rating=seen.rating,
        sellers=sorted({o.seller_id for o in seen.offers if o.seller_id}),
    )


def _our_price(competitor: Competitor) -> Decimal | None:
    listings = competitor.listings.select_related("product", "variant", "channel")
    prices = [effective_price(listing).value for listing in listings]
    return min((p for p in prices if p), default=None)


def _price_changes(competitor: Competitor, now: datetime) -> int:
    since = now - timedelta(days=ACTIVITY_DAYS)
    rows = competitor.observations.filter(time__gte=since).order_by("time").values_list("landed_price", flat=True)
    landed = list(rows)
    return sum(1 for a, b in zip(landed, landed[1:], strict=False) if a != b)


def _grouped_change(alert: Alert, change: Change) -> tuple[Decimal | None, str]:
    """The change since the group's first move and its severity (never lower than before)."""
    severity = severity_max(alert.severity, change.severity)
    if alert.alert_type not in (AlertType.PRICE_DROP, AlertType.PRICE_INCREASE, AlertType.RANK_CHANGE):
        return change.change_pct, severity
    try:
        old, new = Decimal(alert.previous_value), Decimal(change.new_value)
    except ArithmeticError:
        return change.change_pct, severity
    if alert.alert_type == AlertType.RANK_CHANGE:
        total = severity_for(new - old, thresholds().rank_delta)
    else:
        total = severity_for(pct_change(old, new), thresholds().price_pct)
    return (pct_change(old, new) if old else change.change_pct), severity_max(severity, total or severity)


def _alert_record(competitor: Competitor, change: Change, now: datetime) -> tuple[Alert, bool]:
    """One alert per competitor and type within the window: an open alert seen within it takes the move in."""
    window_start = now - thresholds().window
    alert = (
        Alert.objects.select_for_update()
        .filter(competitor=competitor, alert_type=change.alert_type, status__in=OPEN_ALERT_STATUSES)
        .filter(last_seen_at__gte=window_start)
        .order_by("-last_seen_at")
        .first()
    )
    if alert is not None:
        alert.change_pct, alert.severity = _grouped_change(alert, change)
        alert.new_value = change.new_value
        alert.occurrences += 1
        alert.last_seen_at = now
        alert.full_clean()
        alert.save()
        created = False
    else:
        alert = Alert(
            competitor=competitor,
            alert_type=change.alert_type,
            previous_value=change.previous_value,
            new_value=change.new_value,
            change_pct=change.change_pct,
            severity=change.severity,
            first_seen_at=now,
            last_seen_at=now,
        )
        alert.full_clean()
        alert.save()
        created = True
    linked = list(competitor.listings.all())
    alert.affected_listings.add(*linked)
    events.publish(
        ALERT_RECORDED, alert_id=alert.pk, alert_type=alert.alert_type, change_pct=alert.change_pct, created=created,
        listing_ids=[listing.pk for listing in linked],
    )  # fmt: skip
    return alert, created


@transaction.atomic
def _record(competitor: Competitor, seen: ItemCompetition, now: datetime) -> tuple[CompetitorObservation, int]:
    competitor = Competitor.objects.select_for_update().get(pk=competitor.pk)
    previous = competitor.observations.order_by("-time", "-id").first()
    observation = _observation(competitor, seen, now)
    observation.full_clean()
    observation.save()
    found: list[Change] = []
    if previous is not None:
        from .analysis import changes

        found = changes(previous, observation, thresholds(), watches_item=not competitor.seller_id)
    alerts = [_alert_record(competitor, change, now) for change in found]
    score, parts = threat(observation, our_price=_our_price(competitor), price_changes=_price_changes(competitor, now))
    competitor.title = seen.title or competitor.title
    competitor.brand = seen.brand or competitor.brand
    competitor.currency = observation.currency or competitor.currency
    competitor.current_price = observation.landed_price
    competitor.current_bsr = observation.sales_rank
    competitor.rating = observation.rating
    competitor.review_count = seen.review_count
    competitor.buy_box_price = observation.buy_box_price
    competitor.buy_box_seller = seen.buy_box_seller
    competitor.threat_score, competitor.threat_parts = score, parts
    competitor.last_synced_at, competitor.last_error = now, ""
    competitor.full_clean()
    competitor.save()
    listing_ids = list(competitor.listings.values_list("pk", flat=True))
    events.publish(COMPETITOR_OBSERVED, competitor_id=competitor.pk, listing_ids=listing_ids, at=now)
    return observation, sum(1 for _, created in alerts if created)


def competitor_observe(*, competitor: Competitor, now: datetime | None = None) -> CompetitorObservation:
    """Observe one competitor now: fetch through the channel's connector (outside any transaction), store the
    observation, fold its moves into alerts, update the current state and the threat score. A marketplace
    refusal (unknown ASIN, throttling, expired token) is kept on the competitor and raised as ApplicationError;
    nothing else changes."""
    now = now or timezone.now()
    try:
        seen = _fetch(competitor)
    except RateLimited as exc:
        message = f"{competitor.channel.name} is throttling requests; try again in {exc.retry_after or 1:g} s."
        _error_keep(competitor, message)
        raise ApplicationError(message) from exc
    except ConnectorError as exc:
        message = f"{competitor.channel.name} refused {competitor.item_id}: {exc}"
        _error_keep(competitor, message)
        raise ApplicationError(message) from exc
    observation, _ = _record(competitor, seen, now)
    competitor.refresh_from_db()
    return observation


def _error_keep(competitor: Competitor, message: str) -> None:
    Competitor.objects.filter(pk=competitor.pk).update(last_error=message[:2000], updated_at=timezone.now())


def competitors_observe(
    *, channel: Channel | None = None, competitor: Competitor | None = None, now: datetime | None = None
) -> ObserveSummary:
    """Observe every active competitor (of one channel, or one competitor); a failure of one is counted and
    kept on it, the others go on."""
    if competitor is not None:
        queryset = Competitor.objects.filter(pk=competitor.pk)
    else:
        queryset = Competitor.objects.filter(is_active=True)
        if channel is not None:
            queryset = queryset.filter(channel=channel)
    summary = ObserveSummary()
    for row in queryset.select_related("channel").order_by("id"):
        before = Alert.objects.filter(competitor=row).count()
        try:
            competitor_observe(competitor=row, now=now)
        except ApplicationError as exc:
            summary.failed += 1
            summary.errors.append(str(exc))
            continue
        summary.observed += 1
        summary.alerts += Alert.objects.filter(competitor=row).count() - before
    return summary


# --- alerts ---


@transaction.atomic
def alert_status_set(*, alert: Alert, status: str, user: User = None, action_taken: str | None = None) -> Alert:
    """Mark an alert viewed, actioned (with what was done) or dismissed; an alert never becomes new again."""
    if status not in ALERT_TARGET_STATUSES:
        allowed = ", ".join(str(s) for s in ALERT_TARGET_STATUSES)
        raise ValidationError({"status": f"status must be one of {allowed} (got {status!r})."})
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    alert.status = status
    if status == AlertStatus.ACTIONED:
        alert.actioned_at = alert.actioned_at or timezone.now()
    if action_taken is not None:
        alert.action_taken = action_taken
    alert.updated_by = actor_or_none(user)
    alert.full_clean()
    alert.save()
    return alert
