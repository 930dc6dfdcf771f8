"""Writes of the price rules: rules, listing limits, preview and apply (docs/pricing.md#price-rules).

Preview and apply run the same evaluation (`_evaluate_chunks`), so apply writes exactly the prices preview showed
for the same inputs. Apply changes a price through listings.services.listing_update, which marks the offer
changed so the sync engine pushes it (docs/sync.md).
"""

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.events import NOTIFICATION_REQUESTED
from common import events
from common.actors import Actor as User
from common.actors import actor_or_none
from common.changes import change_source
from common.errors import ApplicationError
from common.saving import fields_save
from listings.models import Listing
from listings.services.listing import listing_update

from .rule_config import rule_errors
from .rule_models import ListingPriceLimits, PriceChange, PriceRule
from .rule_selectors import (
    HISTORY_DAYS,
    RuleReads,
    competitor_history,
    listing_rows_inputs,
    listings_for_rules,
    listings_inputs,
    resolve_scope,
)
from .rules import (
    ADJUSTMENT,
    FREEZE_HOURS,
    Evaluation,
    ListingInputs,
    RuleSpec,
    evaluate,
    evaluate_prepared,
    prepare_rules,
    replay,
)

logger = logging.getLogger("pricing.rules")

PRICE_RULE_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "applies_to",
    "scope_value",
    "rule_type",
    "config",
    "priority",
    "is_active",
    "auto",
)
LIMIT_FIELDS: tuple[str, ...] = ("min_price", "max_price", "margin_floor_pct")
CHUNK = 500


# --- rules and limits ---------------------------------------------------------------------------------------------


@transaction.atomic
def price_rule_create(*, user: User = None, **fields: Any) -> PriceRule:
    return fields_save(PriceRule(), fields, PRICE_RULE_FIELDS, user)


@transaction.atomic
def price_rule_update(*, rule: PriceRule, user: User = None, **fields: Any) -> PriceRule:
    return fields_save(rule, fields, PRICE_RULE_FIELDS, user)


@transaction.atomic
def price_rule_delete(*, rule: PriceRule, user: User = None) -> None:
    rule.delete()


@transaction.atomic
def listing_price_limits_set(*, listing: Listing, user: User = None, **fields: Any) -> ListingPriceLimits:
    """Set a listing's min_price / max_price / margin_floor_pct (None clears one)."""
    limits = ListingPriceLimits.objects.filter(listing=listing).first() or ListingPriceLimits(listing=listing)
    return fields_save(limits, fields, LIMIT_FIELDS, user)


def rule_spec_from_data(data: dict[str, Any]) -> RuleSpec:
    """An unsaved rule (editor, API) checked like a saved one; ApplicationError names each bad field."""
    wrong = [
        name for name in ("name", "applies_to", "scope_value", "rule_type") if not isinstance(data.get(name, ""), str)
    ]
    if wrong:
        raise ApplicationError("The rule is not valid.", extra={"errors": {n: f"{n} must be a string." for n in wrong}})
    applies_to = data.get("applies_to") or "all"
    rule_type = data.get("rule_type") or ""
    config: Any = data.get("config")
    config = {} if config is None else config
    errors = rule_errors(applies_to, data.get("scope_value") or "", rule_type, config)
    priority = data.get("priority", 100)
    if isinstance(priority, bool) or not isinstance(priority, int):
        errors["priority"] = "priority must be a whole number."
    if errors:
        raise ApplicationError("The rule is not valid.", extra={"errors": errors})
    name = str(data.get("name") or "Unsaved rule")
    return RuleSpec(None, name, applies_to, data.get("scope_value") or "", rule_type, dict(config), priority)


# --- preview and apply --------------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    listing_id: int
    inputs: ListingInputs
    evaluation: Evaluation
    suggestion: Any
    replay: Any
    listing: Listing | None = None  # loaded only when asked for (pages, apply)

    def as_dict(self) -> dict[str, Any]:
        ev, rule = self.evaluation, self.evaluation.rule

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "listing": self.listing_id,
            "current_price": str(ev.current_price),
            "proposed_price": str(ev.proposed_price),
            "rule": rule.id if rule else None,
            "rule_name": rule.name if rule else "",
            "formula": ev.formula,
            "guards": [step.as_dict() for step in ev.guards],
            "flags": list(ev.flags),
            "base_price": str(ev.base_price),
            "floor_pct": str(ev.floor_pct),
            "floor_price": text(ev.floor_price),
            "margin_pct_before": text(ev.margin_pct_before),
            "margin_pct_after": text(ev.margin_pct_after),
            "suggested_price": str(self.suggestion.price),
            "confidence": str(self.suggestion.confidence),
            "suggestion": self.suggestion.explanation,
            "replay": self.replay.as_dict(),
        }


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _evaluate_chunks(
    rules: Sequence[RuleSpec],
    listing_ids: Sequence[int],
    *,
    competitor_price: Decimal | None,
    now: datetime,
    with_replay: bool,
    with_listings: bool = False,
) -> Iterator[PreviewRow]:
    """The rows of these listings, a chunk at a time: a constant number of queries per chunk, inputs read as plain
    rows (rule_selectors.listing_rows_inputs) and the rules prepared once (rules.prepare_rules)."""
    rules = [resolve_scope(rule) for rule in rules]
    reads = RuleReads(with_tags=any(rule.applies_to == "tag" for rule in rules))
    prepared = prepare_rules(rules, now)
    for chunk in _chunks(listing_ids):
        inputs, linked = listing_rows_inputs(chunk, now, reads, competitor_price=competitor_price)
        history = competitor_history(linked, now - timedelta(days=HISTORY_DAYS)) if with_replay and linked else {}
        loaded = listings_for_rules().in_bulk([item.listing_id for item in inputs]) if with_listings else {}
        for item in inputs:
            evaluation = evaluate_prepared(prepared, item, now)
            shipping = prepared.shipping(evaluation.rule)
            suggestion = prepared.suggest(item, evaluation.floor_pct, now, shipping)
            replayed = replay(rules, item, history.get(item.listing_id, []), days=HISTORY_DAYS)
            yield PreviewRow(item.listing_id, item, evaluation, suggestion, replayed, loaded.get(item.listing_id))


def _ids(listings: QuerySet[Listing] | Iterable[int]) -> list[int]:
    if isinstance(listings, QuerySet):
        return list(listings.order_by("pk").values_list("pk", flat=True))
    return sorted(set(listings))


def price_rules_preview(
    *,
    rules: Sequence[RuleSpec],
    listings: QuerySet[Listing] | Iterable[int],
    competitor_price: Decimal | None = None,
    now: datetime | None = None,
    with_replay: bool = True,
    with_listings: bool = False,
) -> list[PreviewRow]:
    """A row per listing: what the rules would do, each guard that applied, margins before/after, the suggestion
    and the 30-day replay. Changes nothing. `with_listings` loads each row's Listing (a page that names them)."""
    now = now or timezone.now()
    ids = _ids(listings)
    return list(
        _evaluate_chunks(
            rules, ids, competitor_price=competitor_price, now=now, with_replay=with_replay, with_listings=with_listings
        )
    )


@transaction.atomic
def price_rules_apply(
    *,
    rules: Sequence[RuleSpec],
    listings: QuerySet[Listing] | Iterable[int],
    competitor_price: Decimal | None = None,
    now: datetime | None = None,
    user: User = None,
) -> list[PreviewRow]:
    """Write what preview shows: each changed price through listing_update (so it reaches the marketplace by the
    offers path), recorded with its rule, inputs, formula and clipping guard; an oscillation freezes the listing."""
    now = now or timezone.now()
    rows = list(
        _evaluate_chunks(
            rules, _ids(listings), competitor_price=competitor_price, now=now, with_replay=False, with_listings=True
        )
    )
    for row in rows:
        ev = row.evaluation
        assert row.listing is not None  # with_listings
        if ev.freeze:
            _freeze(row, now, user)
        if not ev.changed:
            continue
        with change_source("rule"):  # the price history labels the change (docs/pricing.md#price-history)
            listing_update(listing=row.listing, user=user, price=ev.proposed_price)
        PriceChange.objects.create(
            listing=row.listing,
            rule_id=ev.rule.id if ev.rule else None,
            old_price=ev.current_price,
            new_price=ev.proposed_price,
            clipping_guard=ev.clipping_guard,
            record=_record(row),
            created_by=actor_or_none(user),
        )
    return rows


def _record(row: PreviewRow) -> dict[str, Any]:
    ev, item = row.evaluation, row.inputs
    competitor = item.competitor
    return {
        "rule": {"id": ev.rule.id, "name": ev.rule.name, "rule_type": ev.rule.rule_type} if ev.rule else None,
        "inputs": {
            "base_price": str(item.base_price),
            "current_price": str(item.current_price),
            "landed_cost": None if item.landed_cost is None else str(item.landed_cost),
            "floor_pct": str(ev.floor_pct),
            "min_price": None if item.min_price is None else str(item.min_price),
            "max_price": None if item.max_price is None else str(item.max_price),
            "available": item.available,
            "lowest_competitor_landed": None
            if competitor is None or competitor.lowest_landed_price is None
            else str(competitor.lowest_landed_price),
            "holds_buy_box": None if competitor is None else competitor.holds_buy_box,
        },
        "formula": ev.formula,
        "guards": [step.as_dict() for step in ev.guards],
        "clipping_guard": ev.clipping_guard,
        "flags": list(ev.flags),
    }


def _freeze(row: PreviewRow, now: datetime, user: User) -> None:
    limits = ListingPriceLimits.objects.filter(listing_id=row.listing_id).first()
    limits = limits or ListingPriceLimits(listing_id=row.listing_id, created_by=actor_or_none(user))
    limits.frozen_until = now + timedelta(hours=FREEZE_HOURS)
    limits.freeze_reason = row.evaluation.guards[-1].note[:255] if row.evaluation.guards else "oscillation"
    limits.save()
    logger.warning("Price oscillation on listing %s: rules frozen until %s", row.listing_id, limits.frozen_until)
    until = timezone.localtime(limits.frozen_until)
    events.publish(  # the notification centre's alert (docs/pricing.md#price-rules)
        NOTIFICATION_REQUESTED, kind="alert", title=f"Price rules frozen on {row.listing}",
        body=f"{limits.freeze_reason} Frozen until {until:%Y-%m-%d %H:%M}; set the price by hand or wait.",
        link=reverse("listings:listing_detail", args=[row.listing_id]),
        dedupe_key=f"price-freeze:{row.listing_id}:{until:%Y%m%d%H%M}",
    )  # fmt: skip


def price_rules_auto_apply(*, listing_ids: Sequence[int], user: User = None) -> list[PreviewRow]:
    """On new competitor observations: apply the active rules marked `auto` to these listings."""
    rules = [RuleSpec.of(rule) for rule in PriceRule.objects.filter(is_active=True, auto=True)]
    if not rules:
        return []
    return price_rules_apply(rules=rules, listings=listing_ids, user=user)


# --- one-off adjustments (automation rules) -----------------------------------------------------------------------


def price_adjust(
    *, listing_ids: Sequence[int], change_type: str, value: Decimal, label: str, apply: bool, user: User = None
) -> list[PreviewRow]:
    """Move the current price by a percentage or an amount ("percentage" / "amount"), through every guard of the
    price rules (clamp, margin floor, daily limit, buy box, oscillation, rounding). With apply=False nothing is
    written: the rows say what apply would do. `label` names the change in the price record."""
    spec = RuleSpec(None, label, "all", "", ADJUSTMENT, {"change_type": change_type, "value": str(value)})
    if apply:
        return price_rules_apply(rules=[spec], listings=listing_ids, user=user)
    return price_rules_preview(rules=[spec], listings=listing_ids, with_replay=False)


def listings_price_metrics(listing_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The current price, net margin % at it (None without a landed cost) and units available, per listing."""
    now = timezone.now()
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(listing_ids))):
        listings = list(listings_for_rules().filter(pk__in=chunk).order_by("pk"))
        for listing, item in zip(listings, listings_inputs(listings, now), strict=True):
            margin = evaluate([], item, now).margin_pct_before  # no rule: the margin at the current price
            found[listing.pk] = {"price": item.current_price, "net_margin_pct": margin, "available": item.available}
    return found
