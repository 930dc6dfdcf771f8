"""The price rule engine with worked numbers (docs/pricing.md#price-rules): pure functions, no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from pricing.margins import NoFees, margin_for
from pricing.rule_config import config_errors, rule_errors
from pricing.rules import (
    GUARD_ORDER,
    CompetitorState,
    ListingInputs,
    RuleSpec,
    evaluate,
    floor_price,
    replay,
    suggest_price,
)

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday
FEES = NoFees(referral_pct=D("15"), referral_min=D("0.25"), fixed_fee=D("0.50"))


def inputs(**changes):
    base = ListingInputs(
        listing_id=1,
        channel_id=1,
        channel_name="Amazon UK",
        category_ids=frozenset({3, 7}),
        tags=frozenset({"acme"}),
        current_price=D("20.00"),
        base_price=D("20.00"),
        landed_cost=D("8.00"),
        terms=FEES,
        channel_floor_pct=D("20"),
        available=50,
    )
    return replace(base, **changes)


def rule(rule_type="competitor_beat", config=None, **changes):
    spec = RuleSpec(1, "r", "all", "", rule_type, config if config is not None else {"beat_by_amount": "0.50"})
    return replace(spec, **changes)


def test_floor_price_worked_example():
    # P ≥ (8.00 + 0.50) / (1 − 0.20 − 0.15) = 13.0769… → 13.08, and 13.07 misses
    assert floor_price(D("8.00"), FEES, D("20")) == D("13.08")
    assert margin_for(D("13.08"), D("8.00"), FEES, floor_pct=D("20")).net_margin_pct >= 20
    assert margin_for(D("13.07"), D("8.00"), FEES, floor_pct=D("20")).net_margin_pct < 20


def test_floor_price_with_tax_and_referral_minimum():
    terms = NoFees(referral_pct=D("1"), referral_min=D("2.00"), prices_include_tax=True, tax_rate=D("20"))
    # the 2.00 minimum dominates: P/1.2 × 0.8 ≥ 1.00 + 2.00 → P ≥ 4.50
    assert floor_price(D("1.00"), terms, D("20")) == D("4.50")


def test_floor_unreachable_when_fees_eat_everything():
    assert floor_price(D("1"), NoFees(referral_pct=D("85")), D("20")) is None


def test_competitor_beat_without_guards():
    ev = evaluate([rule()], inputs(competitor=CompetitorState(D("18.00"), holds_buy_box=False)), NOW)
    assert (ev.proposal, ev.proposed_price, ev.guards) == (D("17.50"), D("17.50"), [])
    assert ev.formula == "lowest competitor landed 18.00 − 0.50 = 17.50"
    # 20 − 8 − (3.00 + 0.50) = 8.50 (42.50 %); 17.50 − 8 − (2.63 + 0.50) = 6.37 (36.40 %)
    assert (ev.margin_pct_before, ev.margin_pct_after) == (D("42.50"), D("36.40"))


def test_beat_by_pct_and_our_shipping():
    spec = rule(config={"beat_by_pct": 10, "our_shipping": "1.00"})
    ev = evaluate([spec], inputs(competitor=CompetitorState(D("20.00"))), NOW)
    assert ev.proposed_price == D("17.00")  # 20 × 0.9 − 1.00


def test_clamp_to_min():
    ev = evaluate([rule()], inputs(min_price=D("19.00"), competitor=CompetitorState(D("18.00"))), NOW)
    assert [(g.guard, g.after) for g in ev.guards] == [("clamp", D("19.00"))]


def test_margin_floor_beats_max_and_flags():
    # competitor at 10.00: beat → 9.50, max 12.00; floor 13.08 wins over the max
    ev = evaluate([rule()], inputs(max_price=D("12.00"), competitor=CompetitorState(D("10.00"))), NOW)
    assert ev.proposed_price == D("13.08")
    assert [g.guard for g in ev.guards] == ["margin_floor"]
    assert "floor_above_max" in ev.flags


def test_floor_from_rule_else_listing_else_channel():
    comp = CompetitorState(D("10.00"))
    assert evaluate([rule()], inputs(competitor=comp), NOW).floor_pct == D("20")
    assert evaluate([rule()], inputs(competitor=comp, listing_floor_pct=D("30")), NOW).floor_pct == D("30")
    spec = rule(config={"beat_by_amount": "0.50", "min_margin_pct": 25})
    assert evaluate([spec], inputs(competitor=comp, listing_floor_pct=D("30")), NOW).floor_pct == D("25")


def test_step_cap_abs_and_pct_smallest_wins():
    spec = rule(config={"beat_by_amount": "0.50", "max_step_amount": "2.00", "max_step_pct": 5})
    ev = evaluate([spec], inputs(competitor=CompetitorState(D("16.00"))), NOW)
    # proposal 15.50; 5 % of 20.00 = 1.00 < 2.00 → 19.00
    assert [(g.guard, g.after) for g in ev.guards] == [("step_cap", D("19.00"))]


def test_step_cap_does_not_hold_a_raise_to_the_floor():
    spec = rule(config={"beat_by_amount": "0.50", "max_step_amount": "0.10"})
    ev = evaluate([spec], inputs(current_price=D("10.00"), competitor=CompetitorState(D("9.00"))), NOW)
    assert ev.proposed_price == D("13.08")
    assert [g.guard for g in ev.guards] == ["margin_floor"]


def test_daily_limit_holds_the_price():
    ev = evaluate([rule()], inputs(changes_today=4, competitor=CompetitorState(D("18.00"))), NOW)
    assert [(g.guard, g.after) for g in ev.guards] == [("daily_limit", D("20.00"))]
    spec = rule(config={"beat_by_amount": "0.50", "max_changes_per_day": 5})
    assert evaluate([spec], inputs(changes_today=4, competitor=CompetitorState(D("18.00"))), NOW).guards == []


def test_no_lowering_while_holding_the_buy_box():
    ev = evaluate([rule()], inputs(competitor=CompetitorState(D("18.00"), holds_buy_box=True)), NOW)
    assert [(g.guard, g.after) for g in ev.guards] == [("buy_box", D("20.00"))]
    assert not ev.changed
    # a raise is still allowed
    assert evaluate([rule()], inputs(competitor=CompetitorState(D("25.00"), holds_buy_box=True)), NOW).changed


def test_oscillation_freeze():
    # 17.50 → 20.00 an hour ago; going back to 17.50 is A → B → A
    history = ((NOW - timedelta(hours=1), D("17.50"), D("20.00")),)
    ev = evaluate([rule()], inputs(recent_changes=history, competitor=CompetitorState(D("18.00"))), NOW)
    assert ev.freeze
    assert "oscillation_freeze" in ev.flags
    assert [(g.guard, g.after) for g in ev.guards] == [("oscillation", D("20.00"))]
    # outside the window it is a plain change
    old = ((NOW - timedelta(hours=30), D("17.50"), D("20.00")),)
    assert not evaluate([rule()], inputs(recent_changes=old, competitor=CompetitorState(D("18.00"))), NOW).freeze
    # while frozen nothing moves
    frozen = inputs(frozen_until=NOW + timedelta(hours=1), competitor=CompetitorState(D("18.00")))
    assert evaluate([rule()], frozen, NOW).guards[0].guard == "oscillation"


def test_rounding_nearest_and_upward_to_keep_the_floor():
    ev = evaluate([rule()], inputs(rounding_ending=D("0.99"), competitor=CompetitorState(D("18.30"))), NOW)
    assert (ev.guards[-1].guard, ev.proposed_price) == ("rounding", D("17.99"))  # 17.80: 17.99 is nearer than 16.99
    ev = evaluate([rule()], inputs(rounding_ending=D("0.99"), competitor=CompetitorState(D("10.00"))), NOW)
    # floor 13.08; nearest ending 12.99 breaks it → 13.99
    assert [g.guard for g in ev.guards] == ["margin_floor", "rounding"]
    assert ev.proposed_price == D("13.99")


def test_guards_run_in_the_documented_order():
    spec = rule(config={"beat_by_amount": "0.50", "max_step_amount": "1.00"})
    item = inputs(min_price=D("15.00"), rounding_ending=D("0.95"), competitor=CompetitorState(D("12.00")))
    ev = evaluate([spec], item, NOW)
    # 11.50 → clamp 15.00 → step cap 19.00 → rounding 18.95
    assert [(g.guard, g.after) for g in ev.guards] == [
        ("clamp", D("15.00")),
        ("step_cap", D("19.00")),
        ("rounding", D("18.95")),
    ]
    names = [g.guard for g in ev.guards]
    assert names == sorted(names, key=GUARD_ORDER.index)
    assert ev.clipping_guard == "rounding"


def test_priority_then_lower_id_and_scopes():
    low = rule(config={"beat_by_amount": "1.00"}, id=1, priority=10)
    high = rule(config={"beat_by_amount": "2.00"}, id=2, priority=50)
    tie = rule(config={"beat_by_amount": "3.00"}, id=3, priority=50)
    ev = evaluate([low, tie, high], inputs(competitor=CompetitorState(D("19.00"))), NOW)
    assert ev.rule.id == 2
    scoped = [
        rule(applies_to="channel", scope_value="amazon uk"),
        rule(applies_to="category", scope_value="7"),
        rule(applies_to="tag", scope_value="ACME"),
        rule(applies_to="listing", scope_value="1"),
    ]
    for spec in scoped:
        assert evaluate([spec], inputs(competitor=CompetitorState(D("19.00"))), NOW).rule == spec
    assert evaluate([rule(applies_to="listing", scope_value="2")], inputs(), NOW).rule is None


def test_time_and_inventory_rules():
    weekdays = {"price_change_pct": -5, "weekdays": [0, 1, 2, 3, 4], "start_time": "09:00", "end_time": "17:00"}
    ev = evaluate([rule("time_based", weekdays)], inputs(), NOW)
    assert ev.proposed_price == D("19.00")
    assert evaluate([rule("time_based", weekdays)], inputs(), NOW.replace(hour=18)).rule is None
    scarce = rule("inventory_based", {"when_below": 10, "price_change_pct": 15})
    assert evaluate([scarce], inputs(available=3), NOW).proposed_price == D("23.00")
    assert evaluate([scarce], inputs(available=30), NOW).rule is None
    floor = rule("margin_floor", {"min_margin_pct": 50})
    assert evaluate([floor], inputs(), NOW).proposed_price == D("24.28")  # 8.50 / 0.35 = 24.2857, fees in cents


def test_suggestion_and_confidence():
    fresh = CompetitorState(D("18.00"), holds_buy_box=False, competitor_count=3, observed_at=NOW)
    suggestion = suggest_price(inputs(competitor=fresh), D("20"), NOW)
    assert (suggestion.price, suggestion.confidence) == (D("17.99"), D("1.00"))
    stale = replace(fresh, observed_at=NOW - timedelta(days=3), competitor_count=1, lowest_landed_price=D("9.00"))
    suggestion = suggest_price(inputs(competitor=stale), D("20"), NOW)
    assert (suggestion.price, suggestion.confidence) == (D("13.08"), D("0.24"))
    assert "floor" in suggestion.explanation
    assert suggest_price(inputs(), D("20"), NOW).confidence == D("0.20")


def test_replay_counts_changes_and_buy_box_share():
    points = [(NOW - timedelta(days=d), D(price)) for d, price in ((5, "19.00"), (4, "18.00"), (3, "25.00"))]
    result = replay([rule()], inputs(), points)
    assert (result.available, result.points, result.changes) == (True, 3, 3)
    assert result.buy_box_share == D("1.00")
    assert not replay([rule()], inputs(), []).available


def test_two_beat_rules_settle_at_the_floor_instead_of_racing_down():
    a = inputs(current_price=D("20.00"))
    b = inputs(listing_id=2, current_price=D("21.00"), landed_cost=D("10.00"))
    beat = rule(config={"beat_by_pct": 1})
    for _ in range(60):
        a_ev = evaluate(
            [beat], replace(a, competitor=CompetitorState(b.current_price, a.current_price < b.current_price)), NOW
        )
        a = replace(a, current_price=a_ev.proposed_price)
        b_ev = evaluate(
            [beat], replace(b, competitor=CompetitorState(a.current_price, b.current_price < a.current_price)), NOW
        )
        b = replace(b, current_price=b_ev.proposed_price)
    assert b.current_price == floor_price(D("10.00"), FEES, D("20"))  # the costlier seller stops at its floor
    assert a.current_price >= floor_price(D("8.00"), FEES, D("20"))


WINDOW = {"price_change_pct": -5, "weekdays": [1], "start_time": "09:00", "end_time": "17:00"}


@pytest.mark.parametrize(
    ("rule_type", "config", "field"),
    [
        ("margin_floor", {"min_margin_pct": 100}, "config.min_margin_pct"),
        ("margin_floor", {}, "config.min_margin_pct"),
        ("competitor_beat", {}, "config.beat_by_amount"),
        ("inventory_based", {"price_change_pct": 5}, "config.when_below"),
        ("time_based", {**WINDOW, "weekdays": []}, "config.weekdays"),
        ("time_based", {**WINDOW, "start_time": "17:00", "end_time": "09:00"}, "config.end_time"),
        (
            "time_based",
            {"price_change_pct": -5, "weekdays": [5], "start_time": "09:00", "end_time": "17:00",
             "start_date": "2026-12-07", "end_date": "2026-12-09"},
            "config.weekdays",
        ),
        ("time_based", {"price_change_pct": -5, "weekdays": [1], "start_time": "09:00", "end_time": "17:00",
                        "start_date": "2026-12-09", "end_date": "2026-12-01"}, "config.end_date"),
        ("competitor_match", {"max_changes_per_day": 0}, "config.max_changes_per_day"),
        ("inventory_based", {"when_below": 0, "price_change_pct": 5}, "config.when_below"),
        ("inventory_based", {"when_below": 5, "price_change_pct": "abc"}, "config.price_change_pct"),
        ("inventory_based", {"when_below": 5, "price_change_pct": -150}, "config.price_change_pct"),
        ("competitor_match", {"nope": 1}, "config"),
        ("competitor_match", {"max_step_pct": -1}, "config.max_step_pct"),
        ("competitor_beat", {"beat_by_pct": 100}, "config.beat_by_pct"),
        ("competitor_beat", {"beat_by_pct": 1, "beat_by_amount": "1"}, "config.beat_by_amount"),
        ("time_based", {**WINDOW, "weekdays": [9]}, "config.weekdays"),
        ("time_based", {**WINDOW, "start_time": "9am"}, "config.start_time"),
        ("time_based", {**WINDOW, "end_time": 5}, "config.end_time"),
        ("time_based", {**WINDOW, "start_date": "tomorrow"}, "config.start_date"),
        ("margin_floor", {"min_margin_pct": True}, "config.min_margin_pct"),
        ("margin_floor", {"min_margin_pct": "NaN"}, "config.min_margin_pct"),
    ],
)  # fmt: skip
def test_bad_configs_are_refused_naming_the_field(rule_type, config, field):
    errors = config_errors(rule_type, config)
    assert field in errors
    assert field.removeprefix("config.") in errors[field]


def test_bad_scope_and_type():
    errors = rule_errors("listing", "", "nope", {})
    assert set(errors) == {"scope_value", "rule_type"}
    assert "scope_value" in rule_errors("listing", "abc", "competitor_match", {})
    assert rule_errors("all", "", "competitor_match", []) == {"config": "config must be a JSON object."}


def test_a_window_with_dates_matches_inside_them_only():
    spec = rule("time_based", {**WINDOW, "weekdays": [0], "start_date": "2026-12-07", "end_date": "2026-12-31"})
    assert evaluate([spec], inputs(), NOW).rule == spec
    assert evaluate([spec], inputs(), NOW - timedelta(days=7)).rule is None
    assert evaluate([spec], inputs(), NOW + timedelta(days=28)).rule is None


def test_unknown_type_and_scope_never_apply():
    assert evaluate([rule("nope", {})], inputs(), NOW).rule is None
    assert evaluate([rule(applies_to="nope")], inputs(competitor=CompetitorState(D("19.00"))), NOW).rule is None


def test_floor_unreachable_holds_the_price():
    ev = evaluate([rule()], inputs(terms=NoFees(referral_pct=D("85")), competitor=CompetitorState(D("19.00"))), NOW)
    assert (ev.proposed_price, ev.flags) == (D("20.00"), ["floor_unreachable"])


def test_no_landed_cost_is_flagged():
    ev = evaluate([rule()], inputs(landed_cost=None, competitor=CompetitorState(D("19.00"))), NOW)
    assert (ev.proposed_price, ev.flags, ev.margin_pct_after) == (D("18.50"), ["no_landed_cost"], None)


def test_suggestion_when_holding_the_buy_box_keeps_the_lowest_price():
    held = CompetitorState(D("21.00"), holds_buy_box=True, competitor_count=2, observed_at=NOW - timedelta(hours=2))
    suggestion = suggest_price(inputs(competitor=held), D("20"), NOW)
    assert (suggestion.price, suggestion.confidence) == (D("21.00"), D("0.56"))
