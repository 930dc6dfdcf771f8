"""Price rules through the API and the services: CRUD, bad input, preview, apply = preview, the record of an applied
price, the oscillation freeze (docs/pricing.md#price-rules)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.services.products import variant_create
from listings.choices import ListingStatus
from listings.models import Listing
from pricing.models import ListingPriceLimits, PriceChange, PriceRule
from pricing.rule_services import (
    listing_price_limits_set,
    price_rule_create,
    price_rules_apply,
    price_rules_auto_apply,
    price_rules_preview,
)
from pricing.rules import RuleSpec
from pricing.services import channel_fee_create

pytestmark = pytest.mark.django_db

BEAT = {"name": "Beat by 0.50", "rule_type": "competitor_beat", "config": {"beat_by_amount": "0.50"}}


@pytest.fixture
def priced_listing(make_listing, make_listable_product):
    """A USD listing at 20.00 (product price), cost 8.00, channel fees 15 % (min 0.25) + 0.50 fixed."""
    listing = make_listing(product=make_listable_product(cost_price=Decimal("8.00")))
    channel_fee_create(
        channel=listing.channel, referral_pct=Decimal("15"), referral_min=Decimal("0.25"), fixed_fee=Decimal("0.50")
    )
    return listing


def test_crud(api, priced_listing):
    created = api.post("/api/v1/price-rules/", {**BEAT, "priority": 50, "auto": True}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {k: body[k] for k in ("applies_to", "scope_value", "priority", "is_active", "auto")} == {
        "applies_to": "all",
        "scope_value": "",
        "priority": 50,
        "is_active": True,
        "auto": True,
    }
    patched = api.patch(f"/api/v1/price-rules/{body['id']}/", {"priority": 60}, format="json")
    assert patched.status_code == 200
    assert patched.json()["priority"] == 60
    assert api.get("/api/v1/price-rules/").json()["results"][0]["id"] == body["id"]
    assert api.delete(f"/api/v1/price-rules/{body['id']}/").status_code == 204
    assert not PriceRule.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rule_type": "margin_floor", "config": {"min_margin_pct": 100}}, "config.min_margin_pct"),
        ({"rule_type": "competitor_beat", "config": {}}, "config.beat_by_amount"),
        ({"rule_type": "inventory_based", "config": {"price_change_pct": 5}}, "config.when_below"),
        (
            {
                "rule_type": "time_based",
                "config": {"price_change_pct": -5, "weekdays": [1], "start_time": "10:00", "end_time": "10:00"},
            },
            "config.end_time",
        ),
        ({"rule_type": "competitor_match", "applies_to": "channel"}, "scope_value"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(api, payload, field):
    response = api.post("/api/v1/price-rules/", {"name": "Bad", **payload}, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not PriceRule.objects.exists()
    preview = api.post("/api/v1/price-rules/preview/", {"rule": payload, "listings": [1]}, format="json")
    assert preview.status_code == 400
    assert field in str(preview.json())


def test_model_clean_names_the_config_field():
    with pytest.raises(ValidationError) as caught:
        price_rule_create(name="x", rule_type="inventory_based", config={"price_change_pct": 5})
    assert "config.when_below" in str(caught.value.message_dict["config"])


def test_limits_min_above_max_and_floor_100_refused(priced_listing):
    with pytest.raises(ValidationError) as caught:
        listing_price_limits_set(listing=priced_listing, min_price=Decimal("30"), max_price=Decimal("20"))
    assert "min_price" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        listing_price_limits_set(listing=priced_listing, margin_floor_pct=Decimal("100"))
    assert "margin_floor_pct" in caught.value.message_dict
    assert not ListingPriceLimits.objects.exists()


def test_preview_request_shapes_are_checked(api):
    neither = api.post("/api/v1/price-rules/preview/", {"listings": [1]}, format="json")
    assert neither.status_code == 400
    assert "rule" in str(neither.json())
    missing = api.post("/api/v1/price-rules/preview/", {"rule_ids": [999], "listings": [1]}, format="json")
    assert missing.status_code == 400
    assert "999" in str(missing.json())
    both = api.post("/api/v1/price-rules/preview/", {"rule": BEAT}, format="json")
    assert "listings" in str(both.json())


def test_preview_with_what_if_worked_numbers(api, priced_listing):
    response = api.post(
        "/api/v1/price-rules/preview/",
        {"rule": BEAT, "listings": [priced_listing.pk], "what_if": {"competitor_price": "10.00"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    (row,) = response.json()["results"]
    # beat 10.00 by 0.50 = 9.50, raised to the 20 % floor (8.00 + 0.50) / 0.65 = 13.08
    assert (row["current_price"], row["proposed_price"], row["rule"]) == ("20.00", "13.08", None)
    assert [g["guard"] for g in row["guards"]] == ["margin_floor"]
    assert (row["margin_pct_before"], row["margin_pct_after"]) == ("42.50", "20.03")
    assert row["replay"]["available"] is False
    assert "No competitor history" in row["replay"]["note"]
    assert row["suggested_price"] == "13.08"
    assert Listing.objects.get(pk=priced_listing.pk).price is None  # preview changes nothing


def test_preview_by_rule_ids_and_filters(api, priced_listing, make_listing):
    other = make_listing()
    rule = price_rule_create(**BEAT, applies_to="listing", scope_value=str(priced_listing.pk))
    response = api.post(
        "/api/v1/price-rules/preview/",
        {
            "rule_ids": [rule.pk],
            "filters": {"channel": priced_listing.channel_id},
            "what_if": {"competitor_price": "19.00"},
        },
        format="json",
    )
    rows = {row["listing"]: row for row in response.json()["results"]}
    assert set(rows) == {priced_listing.pk}
    assert (rows[priced_listing.pk]["rule"], rows[priced_listing.pk]["proposed_price"]) == (rule.pk, "18.50")
    everything = price_rules_preview(rules=[RuleSpec.of(rule)], listings=[priced_listing.pk, other.pk])
    assert [row.evaluation.rule for row in everything][1] is None  # out of scope: no rule, no change


def test_preview_equals_apply_and_records_the_change(api, priced_listing):
    Listing.objects.filter(pk=priced_listing.pk).update(status=ListingStatus.LIVE, external_id="SHOP-1")
    request = {"rule": BEAT, "listings": [priced_listing.pk], "what_if": {"competitor_price": "17.30"}}
    preview = api.post("/api/v1/price-rules/preview/", request, format="json").json()["results"]
    applied = api.post("/api/v1/price-rules/apply/", request, format="json")
    assert applied.status_code == 200, applied.json()
    listing = Listing.objects.get(pk=priced_listing.pk)
    assert str(listing.price) == preview[0]["proposed_price"] == "16.80"
    assert listing.changed_since_push is True
    assert "offers" in listing.changed_parts
    change = PriceChange.objects.get(listing=listing)
    assert (change.old_price, change.new_price, change.clipping_guard) == (Decimal("20.00"), Decimal("16.80"), "")
    assert change.record["formula"] == "lowest competitor landed 17.30 − 0.50 = 16.80"
    assert change.record["inputs"]["lowest_competitor_landed"] == "17.30"
    assert change.record["inputs"]["landed_cost"] == "8.00"


def test_apply_records_the_clipping_guard_and_the_flag(priced_listing):
    listing_price_limits_set(listing=priced_listing, max_price=Decimal("12.00"))
    spec = RuleSpec(None, "beat", "all", "", "competitor_beat", {"beat_by_amount": "0.50"})
    rows = price_rules_apply(rules=[spec], listings=[priced_listing.pk], competitor_price=Decimal("10.00"))
    assert rows[0].evaluation.flags == ["floor_above_max"]
    change = PriceChange.objects.get()
    assert (change.new_price, change.clipping_guard) == (Decimal("13.08"), "margin_floor")


def test_oscillation_freezes_the_listing(priced_listing, admin_user, django_capture_on_commit_callbacks):
    from operations.models import Notification

    spec = RuleSpec(None, "beat", "all", "", "competitor_beat", {"beat_by_amount": "0.50"})
    now = timezone.now()
    price_rules_apply(rules=[spec], listings=[priced_listing.pk], competitor_price=Decimal("18.00"), now=now)  # A→B
    later = now + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        rows = price_rules_apply(
            rules=[spec], listings=[priced_listing.pk], competitor_price=Decimal("20.50"), now=later
        )  # back to A (20.00) within the window: frozen instead
    assert rows[0].evaluation.freeze
    note = Notification.objects.get(user=admin_user)  # the alert in the notification centre
    assert (note.kind, note.link) == ("alert", f"/listings/{priced_listing.pk}/")
    assert note.title.startswith("Price rules frozen on")
    assert "Frozen until" in note.body
    limits = ListingPriceLimits.objects.get(listing=priced_listing)
    assert limits.frozen_until > later
    assert "within" in limits.freeze_reason
    assert PriceChange.objects.count() == 1
    assert Listing.objects.get(pk=priced_listing.pk).price == Decimal("17.50")
    # while frozen, nothing moves
    rows = price_rules_apply(rules=[spec], listings=[priced_listing.pk], competitor_price=Decimal("15.00"), now=later)
    assert rows[0].evaluation.guards[-1].guard == "oscillation"
    assert not rows[0].evaluation.changed


def test_auto_apply_uses_only_auto_rules(priced_listing):
    assert price_rules_auto_apply(listing_ids=[priced_listing.pk]) == []
    price_rule_create(name="manual", rule_type="margin_floor", config={"min_margin_pct": 60}, priority=900)
    price_rule_create(name="auto", rule_type="margin_floor", config={"min_margin_pct": 50}, auto=True)
    rows = price_rules_auto_apply(listing_ids=[priced_listing.pk])
    assert (rows[0].evaluation.rule.name, rows[0].evaluation.proposed_price) == ("auto", Decimal("24.28"))
    assert Listing.objects.get(pk=priced_listing.pk).price == Decimal("24.28")


def test_viewer_cannot_write_rules(viewer_api):
    assert viewer_api.post("/api/v1/price-rules/", BEAT, format="json").status_code == 403


def test_preview_rule_fields_of_the_wrong_type_are_refused(api):
    response = api.post(
        "/api/v1/price-rules/preview/", {"rule": {"rule_type": ["x"], "scope_value": 7}, "listings": [1]}, format="json"
    )
    assert response.status_code == 400
    assert "rule_type must be a string" in str(response.json())


def test_scopes_by_category_name_tag_and_channel_name(priced_listing):
    product = priced_listing.product
    product.attributes = {"tags": "clearance, summer"}
    product.save(update_fields=["attributes"])
    specs = [
        RuleSpec(None, "cat", "category", product.category.name, "margin_floor", {"min_margin_pct": 30}),
        RuleSpec(None, "tag", "tag", "Summer", "margin_floor", {"min_margin_pct": 30}),
        RuleSpec(None, "chan", "channel", priced_listing.channel.name, "margin_floor", {"min_margin_pct": 30}),
        RuleSpec(None, "none", "category", "No such category", "margin_floor", {"min_margin_pct": 30}),
    ]
    matched = [
        price_rules_preview(rules=[spec], listings=[priced_listing.pk])[0].evaluation.rule is not None for spec in specs
    ]
    assert matched == [True, True, True, False]


def test_inventory_rule_reads_the_sum_of_variants(priced_listing):
    variant_create(product=priced_listing.product, sku="V-1", options={"Size": "S"}, quantity=2)
    variant_create(product=priced_listing.product, sku="V-2", options={"Size": "M"}, quantity=1)
    spec = RuleSpec(None, "scarce", "all", "", "inventory_based", {"when_below": 4, "price_change_pct": 10})
    (row,) = price_rules_preview(rules=[spec], listings=[priced_listing.pk])
    assert (row.inputs.available, row.evaluation.proposed_price) == (3, Decimal("22.00"))


def test_competitor_rules_read_the_tracked_competitors_and_apply_is_history_labelled_rule(
    make_listing, make_listable_product, make_channel
):
    from competitors.models import CompetitorObservation
    from competitors.services import competitor_create
    from pricing.history_models import PriceHistory

    listing = make_listing(product=make_listable_product(cost_price=Decimal("8.00")), channel=make_channel("amazon"))
    now = timezone.now()
    rival = competitor_create(channel=listing.channel, item_id="B0RIVAL001", listings=[listing])
    quiet = competitor_create(channel=listing.channel, item_id="B0RIVAL002", listings=[listing])

    def seen(competitor, minutes_ago, landed, **extra):
        CompetitorObservation.objects.create(
            competitor=competitor, time=now - timedelta(minutes=minutes_ago), currency="USD",
            has_offer=landed is not None, price=landed, shipping=Decimal("0") if landed else None,
            landed_price=landed, **extra,
        )  # fmt: skip

    seen(rival, 120, Decimal("19.00"))
    seen(rival, 60, Decimal("18.40"), has_buy_box=True, buy_box_price=Decimal("18.40"))
    seen(quiet, 90, Decimal("17.90"))
    seen(quiet, 30, None)  # no offer any more: it drops out, never counted as 0

    spec = RuleSpec(None, "beat", "all", "", "competitor_beat", {"beat_by_amount": "0.50"})
    [row] = price_rules_preview(rules=[spec], listings=[listing.pk])
    assert row.inputs.competitor.lowest_landed_price == Decimal("18.40")
    assert row.inputs.competitor.holds_buy_box is False  # a tracked competitor holds it
    assert row.inputs.competitor.competitor_count == 2
    assert row.evaluation.proposed_price == Decimal("17.90")

    price_rules_apply(rules=[spec], listings=[listing.pk])
    point = PriceHistory.objects.filter(listing=listing, kind="ours").order_by("-time", "-id").first()
    assert (point.price, point.source) == (Decimal("17.90"), "rule")
