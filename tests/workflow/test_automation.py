"""Automation rules (docs/automation.md): every trigger type, conditions, every action, every guard (with a looping
pair of rules that must stop at the loop guard), dry run deciding as the real run does, automatic switching off,
and each bad input refused with a message naming the field."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common import events
from competitors.events import ALERT_RECORDED
from inventory.events import STOCK_LOW
from listings.choices import ListingStatus
from listings.models import Listing
from operations.models import Notification
from pricing.rule_models import ListingPriceLimits, PriceChange
from tests.syncing.engine.conftest import run_queue
from workflow.choices import EvaluationOutcome as O
from workflow.models import AutomationRule, ListingTag, RuleEvaluation, Task
from workflow.rule_services import (
    Cascade,
    automation_rule_create,
    automation_rule_update,
    rule_evaluate,
    rules_cron_tick,
    rules_dry_run,
    rules_threshold_sweep,
)

pytestmark = pytest.mark.django_db

TAG = {"action_type": "tag_listing", "action_config": {"tag": "watch"}}
PRICE_OVER_5 = {"trigger_type": "threshold", "trigger_config": {"metric": "price", "operator": "gt", "value": 5}}


def rule(name="Rule", **fields):
    data = {**PRICE_OVER_5, **TAG, "cooldown_minutes": 0, **fields}
    return automation_rule_create(name=name, **data)


def outcomes(r, listing=None):
    rows = RuleEvaluation.objects.filter(rule=r).order_by("id")
    if listing is not None:
        rows = rows.filter(listing=listing)
    return [row.outcome for row in rows]


@pytest.fixture
def listing(make_listing):
    return make_listing()


# --- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        pytest.param(
            {"trigger_type": "time_based", "trigger_config": {"cron": "every monday"}},
            "trigger_config",
            "does not parse",
            id="cron_not_parsing",
        ),
        pytest.param(
            {"conditions": [{"field": "listing.colour", "operator": "eq", "value": "red"}]},
            "conditions",
            "unknown field 'listing.colour'",
            id="unknown_condition_field",
        ),
        pytest.param(
            {"action_type": "update_price", "action_config": {"change_type": "percentage"}},
            "action_config",
            "value must be a number",
            id="action_config_missing_value",
        ),
        pytest.param(
            {"action_type": "create_task", "action_config": {}},
            "action_config",
            "title_template is required",
            id="action_config_missing_title",
        ),
        pytest.param(
            {"action_type": "create_task", "action_config": {"title_template": "Review {colour}"}},
            "action_config",
            "unknown field(s) colour",
            id="template_unknown_name",
        ),
        pytest.param(
            {
                "trigger_type": "event",
                "trigger_config": {"event_type": "alert.created"},
                "action_type": "send_alert",
                "action_config": {"message": "Again"},
            },
            "action_type",
            "would trigger itself",
            id="self_triggering",
        ),
        pytest.param(
            {"trigger_config": {"metric": "mood", "operator": "lt", "value": 3}},
            "trigger_config",
            "metric must be",
            id="unknown_metric",
        ),
        pytest.param({"max_daily_triggers": 0}, "max_daily_triggers", "", id="daily_cap_zero"),
        pytest.param(
            {"trigger_type": "competitive", "trigger_config": {"event": "competitor_price_drop"}},
            "trigger_config",
            "threshold_pct",
            id="price_drop_without_pct",
        ),
    ],
)
def test_bad_rules_are_refused_naming_the_field(fields, field, words):
    with pytest.raises(ValidationError) as caught:
        rule(**fields)
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert not AutomationRule.objects.exists()


# --- triggers and conditions ----------------------------------------------------------------------------------------


def test_threshold_sweep_fires_where_the_metric_crosses(make_listing):
    cheap, dear = make_listing(price=Decimal("4.00")), make_listing(price=Decimal("30.00"))
    r = rule(trigger_config={"metric": "price", "operator": "gt", "value": 10})
    assert rules_threshold_sweep() == 1
    assert outcomes(r, dear) == [O.MATCHED]
    assert outcomes(r, cheap) == [O.NOT_MATCHED]
    assert list(ListingTag.objects.values_list("listing_id", "tag")) == [(dear.pk, "watch")]
    r.refresh_from_db()
    assert (r.trigger_count, r.last_triggered_at is not None) == (1, True)


def test_threshold_on_available_units(make_listing):
    low = make_listing()
    r = rule(trigger_config={"metric": "available", "operator": "lt", "value": 5})
    rule_evaluate(r, listing_ids=[low.pk], trigger="test")
    assert outcomes(r) == [O.NOT_MATCHED]  # 10 units
    evaluation = RuleEvaluation.objects.get(rule=r)
    assert evaluation.inputs["trigger"]["observed"] == 10


def test_conditions_are_an_and_list(make_listing, make_channel):
    amazon = make_channel("amazon", name="Amazon US")
    on_amazon, on_shop = make_listing(channel=amazon), make_listing()
    r = rule(
        conditions=[
            {"field": "channel.marketplace", "operator": "in", "value": ["amazon", "etsy"]},
            {"field": "product.title", "operator": "contains", "value": "listable"},
            {"field": "listing.price", "operator": "lt", "value": 100},
        ]
    )
    rules_threshold_sweep()
    assert outcomes(r, on_amazon) == [O.MATCHED]
    assert outcomes(r, on_shop) == [O.NOT_MATCHED]
    held = RuleEvaluation.objects.get(rule=r, listing=on_shop).inputs["conditions"][0]
    assert (held["observed"], held["held"]) == ("shopify", False)


def test_time_based_rule_runs_when_its_cron_time_comes(listing):
    r = rule(trigger_type="time_based", trigger_config={"cron": "0 9 * * *"})
    created = timezone.localtime(r.created_at)
    before_nine = created.replace(hour=8, minute=0) + timedelta(days=1)
    AutomationRule.objects.filter(pk=r.pk).update(created_at=before_nine - timedelta(hours=1))
    assert rules_cron_tick(now=before_nine) == 0
    assert rules_cron_tick(now=before_nine + timedelta(hours=1, minutes=1)) == 1
    assert outcomes(r, listing) == [O.MATCHED]
    # the next tick in the same day finds no new cron time
    assert rules_cron_tick(now=before_nine + timedelta(hours=2)) == 0


def test_event_rule_fires_on_the_event_through_the_queue(listing):
    r = rule(trigger_type="event", trigger_config={"event_type": "stock.low"})
    events.publish(STOCK_LOW, stock_id=1, sku=listing.product.sku, product_id=listing.product_id, variant_id=None,
                   available=2)  # fmt: skip
    assert run_queue() == 1
    assert outcomes(r, listing) == [O.MATCHED]
    assert RuleEvaluation.objects.get(rule=r).trigger == "event stock.low"


def test_a_stock_movement_to_the_threshold_publishes_stock_low(listing):
    from inventory.services import stock_adjust, stock_for_product

    r = rule(trigger_type="event", trigger_config={"event_type": "stock.low"})
    stock = stock_for_product(listing.product)
    stock_adjust(stock=stock, delta=-6, reason="damaged")  # 10 → 4: above the default threshold 5 before
    run_queue()
    assert outcomes(r, listing) == [O.MATCHED]


def test_competitive_rule_fires_on_a_big_enough_price_drop(listing):
    r = rule(trigger_type="competitive", trigger_config={"event": "competitor_price_drop", "threshold_pct": 5})
    payload = {"alert_type": "price_drop", "created": True, "listing_ids": [listing.pk]}
    events.publish(ALERT_RECORDED, alert_id=1, change_pct=Decimal("-2.50"), **payload)
    events.publish(ALERT_RECORDED, alert_id=2, change_pct=Decimal("-8.00"), **payload)
    run_queue()
    assert outcomes(r, listing) == [O.NOT_MATCHED, O.MATCHED]


# --- actions --------------------------------------------------------------------------------------------------------


def test_create_task_fills_its_title_and_does_not_pile_up(listing, stages):
    config = {"title_template": "Review {sku} on {channel}", "task_type": "pricing", "urgency_score": 9}
    r = rule(action_type="create_task", action_config=config)
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test")
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test")
    task = Task.objects.get()
    assert task.title == f"Review {listing.product.sku} on {listing.channel.name}"
    assert (task.task_type, task.source_rule, task.urgency_score, task.listing) == ("pricing", str(r.pk), 9, listing)
    second = RuleEvaluation.objects.filter(rule=r).order_by("id").last()
    assert second.action_result["task_ids"] == []
    assert "exists" in second.action_result["note"]


def test_update_price_goes_through_the_price_guards(listing):
    ListingPriceLimits.objects.create(listing=listing, min_price=Decimal("19.50"))
    r = rule(action_type="update_price", action_config={"change_type": "percentage", "value": -10})
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test")
    listing.refresh_from_db()
    assert listing.price == Decimal("19.50")  # 20.00 − 10 % = 18.00, clamped to the minimum
    change = PriceChange.objects.get(listing=listing)
    assert change.clipping_guard == "clamp"
    assert RuleEvaluation.objects.get(rule=r).action_result["proposed_price"] == "19.50"


def test_send_alert_notifies_and_tags_apply_template_and_pause(listing, admin_user, django_capture_on_commit_callbacks):
    alert = rule("Alert", action_type="send_alert", action_config={"message": "{sku} needs a look", "severity": "high"})
    template = rule("Template", action_type="apply_template",
                    action_config={"fields": {"seo_title": "{title} | {brand}"}})  # fmt: skip
    pause = rule("Pause", action_type="pause_listing", action_config={})
    with django_capture_on_commit_callbacks(execute=True):
        for r in (alert, template, pause):
            rule_evaluate(r, listing_ids=[listing.pk], trigger="test")
    note = Notification.objects.get(user=admin_user)
    assert (note.kind, note.title) == ("alert", f"{listing.product.sku} needs a look")
    listing.refresh_from_db()
    assert listing.seo_title == f"{listing.product.title} | Acme"
    assert listing.status == ListingStatus.PAUSED
    assert listing.content_versions.first().change_type == "rule"


# --- guards ---------------------------------------------------------------------------------------------------------


def test_cooldown_per_listing(listing):
    r = rule(cooldown_minutes=60)
    now = timezone.now()
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now)
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now + timedelta(minutes=30))
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now + timedelta(minutes=61))
    assert outcomes(r) == [O.MATCHED, O.SKIPPED_COOLDOWN, O.MATCHED]


def test_daily_cap(make_listing):
    listings = [make_listing() for _ in range(3)]
    r = rule(max_daily_triggers=2)
    rule_evaluate(r, listing_ids=[x.pk for x in listings], trigger="test")
    assert sorted(outcomes(r)) == sorted([O.MATCHED, O.MATCHED, O.SKIPPED_CAP])
    assert "cap 2" in RuleEvaluation.objects.get(rule=r, outcome=O.SKIPPED_CAP).detail


def test_pending_period_needs_the_condition_to_hold(listing):
    r = rule(pending_minutes=30)
    now = timezone.now()
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now)
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now + timedelta(minutes=10))
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("1.00"))  # the condition stops holding: reset
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now + timedelta(minutes=20))
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("20.00"))
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now + timedelta(minutes=40))
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", now=now + timedelta(minutes=71))
    assert outcomes(r) == [O.PENDING, O.PENDING, O.NOT_MATCHED, O.PENDING, O.MATCHED]


def test_a_looping_pair_of_rules_stops_at_the_loop_guard(listing, stages, django_capture_on_commit_callbacks):
    """A: on alert.created, create a task; B: on task.created, send an alert. Each fires once; A's second turn,
    caused by B's alert, is skipped by the loop guard and the queue drains."""
    a = rule("A", trigger_type="event", trigger_config={"event_type": "alert.created"}, action_type="create_task",
             action_config={"title_template": "Check {sku}"})  # fmt: skip
    b = rule("B", trigger_type="event", trigger_config={"event_type": "task.created"}, action_type="send_alert",
             action_config={"message": "Task made for {sku}"})  # fmt: skip
    events.publish(ALERT_RECORDED, alert_id=7, alert_type="price_drop", change_pct=None, created=True,
                   listing_ids=[listing.pk])  # fmt: skip
    assert run_queue(limit=10) == 3
    assert outcomes(a) == [O.MATCHED, O.SKIPPED_LOOP]
    assert outcomes(b) == [O.MATCHED]
    skipped = RuleEvaluation.objects.get(rule=a, outcome=O.SKIPPED_LOOP)
    assert skipped.cascade_depth == 2
    assert f"#{a.pk} → #{b.pk} → #{a.pk}" in skipped.detail
    assert len({e.cascade_id for e in RuleEvaluation.objects.all()}) == 1
    assert Task.objects.count() == 1


def test_cascades_stop_below_the_depth_limit(listing):
    r = rule()
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test", cascade=Cascade("c", depth=4, chain=(991, 992)))
    assert outcomes(r) == [O.SKIPPED_LOOP]
    assert "depth 4 is over 3" in RuleEvaluation.objects.get(rule=r).detail
    assert not ListingTag.objects.exists()


def test_a_rule_in_dry_run_mode_logs_and_changes_nothing(listing):
    r = rule(dry_run=True)
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test")
    row = RuleEvaluation.objects.get(rule=r)
    assert (row.outcome, row.dry_run, row.action_result) == (O.MATCHED, True, {"tag": "watch", "added": True})
    assert not ListingTag.objects.exists()
    r.refresh_from_db()
    assert r.trigger_count == 0


def test_dry_run_decides_as_the_real_run(make_listing):
    rows = [make_listing(price=Decimal(p)) for p in ("3.00", "8.00", "12.00", "40.00")]
    r = rule(max_daily_triggers=2, conditions=[{"field": "listing.price", "operator": "lt", "value": 30}])
    ids = [x.pk for x in rows]
    preview = {d.listing_id: d.outcome for d in rules_dry_run(rule=r, listing_ids=ids)}
    assert not RuleEvaluation.objects.exists()
    assert not ListingTag.objects.exists()
    real = {d.listing_id: d.outcome for d in rule_evaluate(r, listing_ids=ids, trigger="test")}
    assert preview == real
    assert sorted(real.values()) == sorted([O.NOT_MATCHED, O.MATCHED, O.MATCHED, O.NOT_MATCHED])


def test_errors_in_a_row_switch_the_rule_off_with_the_reason(
    make_listing, admin_user, django_capture_on_commit_callbacks
):
    delisted_style = make_listing()
    # on the marketplace of a paused channel: the pause job is refused
    Listing.objects.filter(pk=delisted_style.pk).update(status=ListingStatus.LIVE, external_id="X-1")
    type(delisted_style.channel).objects.filter(pk=delisted_style.channel_id).update(is_active=False)
    r = rule(action_type="pause_listing", action_config={}, max_consecutive_errors=2)
    with django_capture_on_commit_callbacks(execute=True):
        rule_evaluate(r, listing_ids=[delisted_style.pk], trigger="test")
        r.refresh_from_db()
        assert (r.is_active, r.consecutive_errors) == (True, 1)
        rule_evaluate(r, listing_ids=[delisted_style.pk], trigger="test")
    r.refresh_from_db()
    assert (r.is_active, r.consecutive_errors) == (False, 2)
    assert "2 errors in a row" in r.disabled_reason
    assert "is paused" in r.disabled_reason
    assert Notification.objects.filter(user=admin_user, kind="rule_action").exists()
    # switching it on again starts the count afresh
    automation_rule_update(rule=r, is_active=True)
    r.refresh_from_db()
    assert (r.is_active, r.consecutive_errors, r.disabled_reason) == (True, 0, "")


@pytest.mark.parametrize("field", ["conditions", "action_config", "trigger_config"])
def test_null_json_is_refused_naming_the_field(field):
    with pytest.raises(ValidationError) as caught:
        rule(**{field: None})
    assert field in caught.value.message_dict


def test_the_rule_page_links_the_tasks_it_made_and_the_task_links_its_rule(listing, stages, staff_client):
    r = rule(action_type="create_task", action_config={"title_template": "Look at {sku}"})
    rule_evaluate(r, listing_ids=[listing.pk], trigger="test")
    task = Task.objects.get()
    page = staff_client.get(f"/tasks/rules/{r.pk}/").content.decode()
    assert f'href="/tasks/{task.pk}/"' in page
    assert f'href="/tasks/rules/{r.pk}/"' in staff_client.get(f"/tasks/{task.pk}/").content.decode()


def test_old_evaluations_are_purged(listing, settings):
    from workflow.rule_services import rule_evaluations_purge

    settings.RULE_EVALUATIONS_KEEP_DAYS = 30
    r = rule()
    now = timezone.now()
    rule_evaluate(r, listing_ids=[listing.pk], trigger="old", now=now - timedelta(days=31))
    rule_evaluate(r, listing_ids=[listing.pk], trigger="new", now=now - timedelta(days=29))
    assert rule_evaluations_purge(now=now) == 1
    assert list(RuleEvaluation.objects.values_list("trigger", flat=True)) == ["new"]


def test_threshold_on_the_listing_score(make_listing):
    from analytics.models import ListingScoreLatest

    low, high, unscored = make_listing(), make_listing(), make_listing()
    for listing, score in ((low, "55.00"), (high, "91.00")):
        ListingScoreLatest.objects.update_or_create(listing=listing, defaults={"total_score": Decimal(score)})
    ListingScoreLatest.objects.filter(listing=unscored).update(total_score=None)
    r = rule(trigger_config={"metric": "score", "operator": "lt", "value": 70})
    rule_evaluate(r, listing_ids=[low.pk, high.pk, unscored.pk], trigger="test")
    assert outcomes(r, low) == [O.MATCHED]
    assert outcomes(r, high) == [O.NOT_MATCHED]
    assert outcomes(r, unscored) == [O.NOT_MATCHED]  # no score yet never matches
