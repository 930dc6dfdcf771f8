"""The price rule engine as pure functions (docs/pricing.md#price-rules).

base price → the highest-priority applicable rule proposes → guards, always, in this order:
clamp to min/max → raise to the margin floor (beats max, flagged) → step cap (not on a raise to the floor) →
at most N changes a day → no lowering while we hold the buy box → oscillation freeze → rounding to the channel's
price ending (upward when rounding down would break the floor or min).
Margins and fees come from pricing/margins.py; nothing here reads the database.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from channels.rules import round_to_ending

from .margins import FeeTerms, NoFees, margin_for
from .rule_config import decimal_of, window_of

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
DEFAULT_MAX_CHANGES_PER_DAY = 4
DEFAULT_OSCILLATION_WINDOW_HOURS = 24
FREEZE_HOURS = 24
GUARD_ORDER = ("clamp", "margin_floor", "step_cap", "daily_limit", "buy_box", "oscillation", "rounding")


@dataclass(frozen=True)
class CompetitorState:
    """What the competitor selector knows of one listing; landed = price + shipping."""

    lowest_landed_price: Decimal | None
    holds_buy_box: bool | None = None
    buy_box_price: Decimal | None = None
    competitor_count: int = 0
    observed_at: datetime | None = None


@dataclass(frozen=True)
class RuleSpec:
    """A saved PriceRule or an unsaved one from the editor / API (id None)."""

    id: int | None
    name: str
    applies_to: str
    scope_value: str
    rule_type: str
    config: dict[str, Any]
    priority: int = 100

    @classmethod
    def of(cls, rule: Any) -> "RuleSpec":
        return cls(
            rule.pk,
            rule.name,
            rule.applies_to,
            rule.scope_value or "",
            rule.rule_type,
            dict(rule.config),
            rule.priority,
        )


@dataclass(frozen=True)
class ListingInputs:
    listing_id: int
    channel_id: int
    channel_name: str
    category_ids: frozenset[int]  # the product's category and its ancestors
    tags: frozenset[str]  # lower case
    current_price: Decimal
    base_price: Decimal  # product/variant price through the channel's markup rule
    landed_cost: Decimal | None  # in the channel's currency
    terms: FeeTerms
    channel_floor_pct: Decimal  # the channel's floor, else the default setting
    listing_floor_pct: Decimal | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    rounding_ending: Decimal | None = None
    available: int = 0
    competitor: CompetitorState | None = None
    changes_today: int = 0
    recent_changes: tuple[tuple[datetime, Decimal, Decimal], ...] = ()  # (at, old, new), newest first
    frozen_until: datetime | None = None


@dataclass(frozen=True)
class GuardStep:
    guard: str
    before: Decimal
    after: Decimal
    note: str

    def as_dict(self) -> dict[str, str]:
        return {"guard": self.guard, "before": str(self.before), "after": str(self.after), "note": self.note}


@dataclass
class Evaluation:
    listing_id: int
    current_price: Decimal
    base_price: Decimal
    rule: RuleSpec | None
    proposal: Decimal  # the rule's price, before the guards
    proposed_price: Decimal
    formula: str
    floor_pct: Decimal
    floor_price: Decimal | None
    guards: list[GuardStep] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    freeze: bool = False
    margin_pct_before: Decimal | None = None
    margin_pct_after: Decimal | None = None

    @property
    def changed(self) -> bool:
        return self.rule is not None and self.proposed_price != self.current_price

    @property
    def clipping_guard(self) -> str:
        moved = [step.guard for step in self.guards if step.before != step.after]
        return moved[-1] if moved else ""


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _config_decimal(config: dict[str, Any], name: str) -> Decimal | None:
    return decimal_of(config.get(name)) if config.get(name) is not None else None


# --- scope and proposal -------------------------------------------------------------------------------------------


# An automation rule's update_price (docs/automation.md#actions): not a stored rule type; it moves the current price
# by a percentage or an amount, and every guard below still applies.
ADJUSTMENT = "adjustment"


def _adjustment(config: dict[str, Any], current: Decimal) -> tuple[Decimal, str]:
    value = _config_decimal(config, "value") or Decimal("0")
    sign = "+" if value >= 0 else "−"
    if config.get("change_type") == "amount":
        price = _money(current + value)
        return price, f"current {current} {sign} {abs(value)} = {price}"
    price = _money(current * (1 + value / HUNDRED))
    return price, f"current {current} × (1 {sign} {abs(value)} %) = {price}"


@dataclass(frozen=True)
class PreparedRule:
    """A rule with its config read once (numbers parsed, its window checked against `now`): a preview evaluates
    the same few rules for every listing, so parsing them per listing was much of its time."""

    spec: RuleSpec
    scope: str  # the scope value, stripped
    shipping: Decimal
    floor_pct: Decimal | None
    step_amount: Decimal | None
    step_pct: Decimal | None
    max_changes: int
    window: timedelta
    beat_amount: Decimal | None  # set when the config has beat_by_amount
    change_pct: Decimal  # beat_by_pct for competitor_beat, price_change_pct for time/inventory rules
    when_below: int | None
    in_window: bool

    @classmethod
    def of(cls, rule: RuleSpec, now: datetime) -> "PreparedRule":
        config = rule.config
        hours = _config_decimal(config, "oscillation_window_hours") or DEFAULT_OSCILLATION_WINDOW_HOURS
        by_amount = config.get("beat_by_amount") is not None
        change = "beat_by_pct" if rule.rule_type == "competitor_beat" else "price_change_pct"
        return cls(
            spec=rule,
            scope=(rule.scope_value or "").strip(),
            shipping=_config_decimal(config, "our_shipping") or Decimal("0"),
            floor_pct=_config_decimal(config, "min_margin_pct"),
            step_amount=_config_decimal(config, "max_step_amount"),
            step_pct=_config_decimal(config, "max_step_pct"),
            max_changes=int(config.get("max_changes_per_day") or DEFAULT_MAX_CHANGES_PER_DAY),
            window=timedelta(hours=float(hours)),
            beat_amount=(_config_decimal(config, "beat_by_amount") or Decimal("0")) if by_amount else None,
            change_pct=_config_decimal(config, change) or Decimal("0"),
            when_below=int(config["when_below"]) if rule.rule_type == "inventory_based" else None,
            in_window=rule.rule_type == "time_based" and window_of(config).matches(now),
        )


class PreparedRules:
    """Rules in the order they are tried (priority, then the lower id; an unsaved rule counts as 0)."""

    def __init__(self, rules: Sequence[RuleSpec], now: datetime) -> None:
        self.rules = [PreparedRule.of(rule, now) for rule in sorted(rules, key=lambda r: (-r.priority, r.id or 0))]
        self._by_spec = {id(prepared.spec): prepared for prepared in self.rules}
        self.memo: dict[tuple, Evaluation] = {}  # see _memo_key; lives as long as these prepared rules
        self.suggestions: dict[tuple, Suggestion] = {}

    def prepared(self, rule: RuleSpec) -> PreparedRule:
        return self._by_spec[id(rule)]

    def suggest(self, inputs: ListingInputs, floor_pct: Decimal, now: datetime, shipping: Decimal) -> "Suggestion":
        """`suggest_price`, once per distinct (landed cost, fees, floor, competitor state, price, shipping)."""
        key = (
            inputs.landed_cost,
            _terms_key(inputs.terms),
            floor_pct,
            inputs.competitor,
            inputs.current_price,
            shipping,
        )
        found = self.suggestions.get(key)
        if found is None:
            found = self.suggestions[key] = suggest_price(inputs, floor_pct, now, our_shipping=shipping)
        return found

    def shipping(self, rule: RuleSpec | None) -> Decimal:
        """The chosen rule's `our_shipping` (0 without a rule)."""
        return self.prepared(rule).shipping if rule is not None else Decimal("0")


def prepare_rules(rules: Sequence[RuleSpec], now: datetime) -> PreparedRules:
    return PreparedRules(rules, now)


def _in_scope(rule: PreparedRule, inputs: ListingInputs) -> bool:
    applies_to, value = rule.spec.applies_to, rule.scope
    if applies_to == "all":
        return True
    if applies_to == "channel":
        return value == str(inputs.channel_id) or value.lower() == inputs.channel_name.lower()
    if applies_to == "category":
        return value.isdigit() and int(value) in inputs.category_ids
    if applies_to == "tag":
        return value.lower() in inputs.tags
    if applies_to == "listing":
        return value == str(inputs.listing_id)
    return False


def _proposal(rule: PreparedRule, inputs: ListingInputs) -> tuple[Decimal, str] | None:
    rule_type, base, shipping = rule.spec.rule_type, inputs.base_price, rule.shipping
    if rule_type == "margin_floor":
        return base, f"base {base}"
    if rule_type in ("competitor_match", "competitor_beat"):
        competitor = inputs.competitor
        if competitor is None or competitor.lowest_landed_price is None:
            return None
        lowest = competitor.lowest_landed_price
        if rule_type == "competitor_match":
            target, formula = lowest, f"lowest competitor landed {lowest}"
        elif rule.beat_amount is not None:
            amount = rule.beat_amount
            target, formula = lowest - amount, f"lowest competitor landed {lowest} − {amount}"
        else:
            pct = rule.change_pct
            target = _money(lowest * (1 - pct / HUNDRED))
            formula = f"lowest competitor landed {lowest} × (1 − {pct} %)"
        price = _money(target - shipping)
        if shipping:
            formula += f" − our shipping {shipping}"
        return price, f"{formula} = {price}"
    if rule_type == ADJUSTMENT:
        return _adjustment(rule.spec.config, inputs.current_price)
    pct = rule.change_pct
    if rule_type == "time_based":
        if not rule.in_window:
            return None
    elif rule_type == "inventory_based":
        if not inputs.available < (rule.when_below or 0):
            return None
    else:
        return None
    price = _money(base * (1 + pct / HUNDRED))
    return price, f"base {base} × (1 {'+' if pct >= 0 else '−'} {abs(pct)} %) = {price}"


def rule_proposal(rule: RuleSpec, inputs: ListingInputs, now: datetime) -> tuple[Decimal, str] | None:
    """The rule's price and its formula, or None when the rule does not apply now."""
    return _proposal(PreparedRule.of(rule, now), inputs)


def _choose(rules: PreparedRules, inputs: ListingInputs) -> tuple[PreparedRule, Decimal, str] | None:
    for rule in rules.rules:
        if not _in_scope(rule, inputs):
            continue
        proposal = _proposal(rule, inputs)
        if proposal is not None:
            return rule, *proposal
    return None


def choose_rule(
    rules: Sequence[RuleSpec], inputs: ListingInputs, now: datetime
) -> tuple[RuleSpec, Decimal, str] | None:
    """The highest-priority rule in scope that applies now (ties: the lower id; an unsaved rule counts as 0)."""
    chosen = _choose(prepare_rules(rules, now), inputs)
    return None if chosen is None else (chosen[0].spec, chosen[1], chosen[2])


# --- the margin floor ---------------------------------------------------------------------------------------------


def floor_price(landed_cost: Decimal, terms: FeeTerms, floor_pct: Decimal) -> Decimal | None:
    """P_floor: the smallest price (to the cent) whose net margin % reaches floor_pct; None when none does.

    Solved from net margin % = (P/(1+tax) − landed − fees(P)) / (P/(1+tax)) ≥ f with each branch of the referral
    max(), then checked (and nudged by cents) with pricing.margins.margin_for, so cent rounding is the same.
    Cached on the values (not on a fee row's id), so an edited fee row is never answered from the cache.
    """
    return _floor_price(landed_cost, _terms_key(terms), floor_pct)


def _terms_key(terms: FeeTerms) -> tuple:
    """The fee terms as values: caches key on these, never on a fee row's id, so an edited row is not missed."""
    return (
        terms.referral_pct, terms.referral_min, terms.payment_pct, terms.fixed_fee, terms.fulfilment_fee,
        terms.prices_include_tax, terms.tax_rate,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _floor_price(landed_cost: Decimal, key: tuple, floor_pct: Decimal) -> Decimal | None:
    terms = NoFees(*key)
    f = floor_pct / HUNDRED
    tax = 1 + (terms.tax_rate / HUNDRED if terms.prices_include_tax else Decimal("0"))
    fixed = terms.fixed_fee + terms.fulfilment_fee
    keep = (1 - f) / tax
    candidates = []
    for pct_part, fixed_part in (
        ((terms.referral_pct + terms.payment_pct) / HUNDRED, fixed),
        (terms.payment_pct / HUNDRED, fixed + terms.referral_min),
    ):
        k = keep - pct_part
        if k <= 0:
            return None
        candidates.append((landed_cost + fixed_part) / k)
    # fees and the net price are rounded to the cent (pricing/margins.py), so the margin is not monotonic near the
    # bound: walk up from a few cents below it and take the first cent that reaches the floor
    price = max(max(candidates).quantize(CENT, rounding=ROUND_CEILING) - 5 * CENT, CENT)
    for _ in range(100):
        pct = margin_for(price, landed_cost, terms, floor_pct=floor_pct).net_margin_pct
        if pct is not None and pct >= floor_pct:
            return price
        price += CENT
    return None


def floor_pct_for(rule: RuleSpec | None, inputs: ListingInputs) -> Decimal:
    """The rule's min_margin_pct, else the listing's, else the channel's (which falls back to the setting)."""
    if rule is not None:
        value = _config_decimal(rule.config, "min_margin_pct")
        if value is not None:
            return value
    if inputs.listing_floor_pct is not None:
        return inputs.listing_floor_pct
    return inputs.channel_floor_pct


def round_nearest_ending(price: Decimal, ending: Decimal) -> tuple[Decimal, Decimal]:
    """(down, up): the price endings either side of `price` (equal when it already ends so)."""
    up = round_to_ending(price, ending)
    return (up if up == price or up - 1 <= 0 else up - 1), up


# --- evaluation ---------------------------------------------------------------------------------------------------


def _margin_pct(price: Decimal, inputs: ListingInputs, floor_pct: Decimal) -> Decimal | None:
    if inputs.landed_cost is None:
        return None
    return _margin_pct_of(price, inputs.landed_cost, _terms_key(inputs.terms))


@lru_cache(maxsize=65536)
def _margin_pct_of(price: Decimal, landed_cost: Decimal, key: tuple) -> Decimal | None:
    """Net margin % at `price` (it does not depend on the floor): many listings share price, cost and fees."""
    return margin_for(price, landed_cost, NoFees(*key), floor_pct=Decimal("0")).net_margin_pct


def evaluate(rules: Sequence[RuleSpec], inputs: ListingInputs, now: datetime) -> Evaluation:
    """One listing: which rule proposes what, and each guard that applied, in order."""
    return evaluate_prepared(prepare_rules(rules, now), inputs, now)


def evaluate_prepared(rules: PreparedRules, inputs: ListingInputs, now: datetime) -> Evaluation:
    """`evaluate` with the rules prepared once for many listings (the same `now`)."""
    current = inputs.current_price
    chosen = _choose(rules, inputs)
    if chosen is None:
        floor_pct = floor_pct_for(None, inputs)
        margin = _margin_pct(current, inputs, floor_pct)
        return Evaluation(
            inputs.listing_id, current, inputs.base_price, None, current, current, "no rule applies",
            floor_pct, None, margin_pct_before=margin, margin_pct_after=margin,
        )  # fmt: skip
    prepared, proposal, formula = chosen
    key = _memo_key(prepared, proposal, formula, inputs)
    if key is None:
        return _guarded(prepared, proposal, formula, inputs, now)
    template = rules.memo.get(key)
    if template is None:
        template = rules.memo[key] = _guarded(prepared, proposal, formula, inputs, now)
    t = template
    return Evaluation(
        inputs.listing_id, t.current_price, t.base_price, t.rule, t.proposal, t.proposed_price, t.formula,
        t.floor_pct, t.floor_price, list(t.guards), list(t.flags), t.freeze, t.margin_pct_before, t.margin_pct_after,
    )  # fmt: skip


def _memo_key(prepared: PreparedRule, proposal: Decimal, formula: str, inputs: ListingInputs) -> tuple | None:
    """Everything the guards read but the listing's id, when it has no recent change and no freeze (those depend
    on the listing's own history): listings with the same key get the same guards, flags, margins and price.
    Values come from fixed-precision fields within one preview, so equal values also print alike."""
    if inputs.recent_changes or inputs.frozen_until is not None:
        return None
    competitor = inputs.competitor
    return (
        id(prepared), proposal, formula, inputs.current_price, inputs.base_price, inputs.landed_cost,
        _terms_key(inputs.terms), inputs.channel_floor_pct, inputs.listing_floor_pct, inputs.min_price,
        inputs.max_price, inputs.rounding_ending, inputs.changes_today,
        bool(competitor is not None and competitor.holds_buy_box),
    )  # fmt: skip


def _guarded(
    prepared: PreparedRule, proposal: Decimal, formula: str, inputs: ListingInputs, now: datetime
) -> Evaluation:
    """The chosen rule's proposal through every guard, in order (docs/pricing.md#evaluation-and-guards)."""
    current = inputs.current_price
    rule = prepared.spec
    floor_pct = prepared.floor_pct if prepared.floor_pct is not None else floor_pct_for(None, inputs)
    p_floor = floor_price(inputs.landed_cost, inputs.terms, floor_pct) if inputs.landed_cost is not None else None
    result = Evaluation(
        inputs.listing_id, current, inputs.base_price, rule, proposal, proposal, formula, floor_pct, p_floor
    )
    guards, flags = result.guards, result.flags
    price = proposal

    def step(guard: str, new: Decimal, note: str) -> None:
        nonlocal price
        guards.append(GuardStep(guard, price, new, note))
        price = new

    # 1. clamp to min/max
    if inputs.min_price is not None and price < inputs.min_price:
        step("clamp", inputs.min_price, f"raised to min {inputs.min_price}")
    elif inputs.max_price is not None and price > inputs.max_price:
        step("clamp", inputs.max_price, f"lowered to max {inputs.max_price}")
    # 2. raise to the margin floor (beats max)
    raised_to_floor = False
    if inputs.landed_cost is None:
        flags.append("no_landed_cost")
    elif p_floor is None:
        flags.append("floor_unreachable")
        step("margin_floor", current, f"no price reaches a {floor_pct} % margin with these fees: price held")
    elif price < p_floor:
        step("margin_floor", p_floor, f"raised to the {floor_pct} % margin floor {p_floor}")
        raised_to_floor = True
        if inputs.max_price is not None and p_floor > inputs.max_price:
            flags.append("floor_above_max")
            guards[-1] = replace(guards[-1], note=guards[-1].note + f" (above max {inputs.max_price}: flagged)")
    # 3. step cap, absolute and %, except a raise to the floor
    caps = []
    amount, pct = prepared.step_amount, prepared.step_pct
    if amount is not None:
        caps.append(amount)
    if pct is not None:
        caps.append(_money(current * pct / HUNDRED))
    if caps and abs(price - current) > min(caps):
        cap = min(caps)
        capped = current + cap if price > current else current - cap
        if raised_to_floor and price > current:
            pass  # a raise to the floor is never capped
        else:
            if p_floor is not None and capped < p_floor <= price:
                capped = p_floor
            step("step_cap", capped, f"at most {cap} per update")
    # 4. at most N changes a day
    limit = prepared.max_changes
    if price != current and inputs.changes_today >= limit and not raised_to_floor:
        step("daily_limit", current, f"{inputs.changes_today} changes today (limit {limit}): price held")
    # 5. no lowering while we hold the buy box
    competitor = inputs.competitor
    if price < current and competitor is not None and competitor.holds_buy_box:
        step("buy_box", current, "we hold the buy box: not lowered")
    # 6. oscillation freeze (A → B → A within the window)
    window = prepared.window
    if inputs.frozen_until is not None and inputs.frozen_until > now:
        if price != current:
            step("oscillation", current, f"frozen until {inputs.frozen_until:%Y-%m-%d %H:%M}")
    elif price != current:
        candidates = {price}
        if inputs.rounding_ending is not None:
            candidates.update(round_nearest_ending(price, inputs.rounding_ending))
        for at, old, new in inputs.recent_changes:
            if now - at <= window and new == current and old in candidates:
                step("oscillation", current, f"{old} → {current} → {old} within {window}: frozen, alert raised")
                result.freeze = True
                flags.append("oscillation_freeze")
                break
    # 7. rounding to the channel's price ending
    if price != current and inputs.rounding_ending is not None:
        down, up = round_nearest_ending(price, inputs.rounding_ending)
        new = down if price - down < up - price else up
        lows = [v for v in (p_floor, inputs.min_price) if v is not None]
        if new == down and any(down < low for low in lows):
            new = up
        if new != price:
            ending = f".{int(inputs.rounding_ending * 100):02d}"
            step("rounding", new, f"to the channel's ending {ending}" + (" (upward)" if new == up else ""))
    result.proposed_price = price
    result.margin_pct_before = _margin_pct(current, inputs, floor_pct)
    result.margin_pct_after = _margin_pct(price, inputs, floor_pct)
    return result


# --- suggestion and replay ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    price: Decimal
    confidence: Decimal  # 0..1
    explanation: str


def suggest_price(
    inputs: ListingInputs, floor_pct: Decimal, now: datetime, *, our_shipping: Decimal = Decimal("0")
) -> "Suggestion":
    """Seed 003 `optimal_price`: the price that keeps or wins the buy box given current offers, never under the
    floor. Confidence = freshness × competitor count: fresh (≤ 1 h) 1.0, ≤ 24 h 0.7, older 0.4; 1 competitor 0.6,
    2 0.8, 3 or more 1.0; no competitor data 0.2."""
    p_floor = floor_price(inputs.landed_cost, inputs.terms, floor_pct) if inputs.landed_cost is not None else None
    competitor = inputs.competitor
    if competitor is None or competitor.lowest_landed_price is None:
        price = max(inputs.current_price, p_floor or Decimal("0"))
        return Suggestion(price, Decimal("0.20"), "No competitor data: keep the current price (or the floor).")
    lowest = competitor.lowest_landed_price
    if competitor.holds_buy_box:
        target = lowest - our_shipping
        why = f"we hold the buy box: the highest price still at the lowest competitor's landed {lowest}"
    else:
        target = lowest - CENT - our_shipping
        why = f"one cent under the lowest competitor's landed {lowest} to win the buy box"
    if p_floor is not None and target < p_floor:
        target, why = p_floor, why + f", raised to the {floor_pct} % margin floor {p_floor}"
    age = (now - competitor.observed_at) if competitor.observed_at is not None else None
    freshness = Decimal("0.4")
    if age is not None and age <= timedelta(hours=1):
        freshness = Decimal("1.0")
    elif age is not None and age <= timedelta(hours=24):
        freshness = Decimal("0.7")
    count = {0: Decimal("0.6"), 1: Decimal("0.6"), 2: Decimal("0.8")}.get(competitor.competitor_count, Decimal("1"))
    confidence = (freshness * count).quantize(CENT)
    explanation = (
        f"{target}: {why}. Confidence {confidence} = freshness {freshness} × {competitor.competitor_count} "
        f"competitor(s) {count}."
    )
    return Suggestion(target, confidence, explanation)


@dataclass(frozen=True)
class Replay:
    available: bool
    points: int = 0
    changes: int = 0
    lowest_margin_pct: Decimal | None = None
    buy_box_share: Decimal | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "points": self.points,
            "changes": self.changes,
            "lowest_margin_pct": None if self.lowest_margin_pct is None else str(self.lowest_margin_pct),
            "buy_box_share": None if self.buy_box_share is None else str(self.buy_box_share),
            "note": self.note,
        }


def replay(
    rules: Sequence[RuleSpec], inputs: ListingInputs, history: Iterable[tuple[datetime, Decimal]], *, days: int = 30
) -> Replay:
    """Run the rules over past lowest competitor landed prices (oldest first): number of changes, lowest margin
    reached, share of points where our landed price was the lowest (our buy box, as far as known)."""
    points = sorted(history)
    if not points:
        return Replay(False, note=f"No competitor history in the last {days} days: nothing to replay.")
    state = inputs
    price = inputs.current_price
    changes: list[tuple[datetime, Decimal, Decimal]] = []
    margins: list[Decimal] = []
    ours = 0
    for at, lowest in points:
        holds = price <= lowest
        state = replace(
            state,
            current_price=price,
            competitor=CompetitorState(lowest, holds_buy_box=holds, competitor_count=1, observed_at=at),
            changes_today=sum(1 for when, _, _ in changes if when.date() == at.date()),
            recent_changes=tuple(reversed(changes)),
            frozen_until=None,
        )
        evaluation = evaluate(rules, state, at)
        if evaluation.changed:
            changes.append((at, price, evaluation.proposed_price))
            price = evaluation.proposed_price
        if evaluation.margin_pct_after is not None:
            margins.append(evaluation.margin_pct_after)
        ours += price <= lowest
    share = (Decimal(ours) / len(points)).quantize(CENT)
    return Replay(True, len(points), len(changes), min(margins, default=None), share)
