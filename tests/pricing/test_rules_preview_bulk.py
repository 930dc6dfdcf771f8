"""The preview of many listings reads plain rows a chunk at a time and shares work between listings with equal
inputs; it must give each listing exactly what evaluating that listing alone gives, in a constant number of
queries per chunk (docs/pricing.md#preview-of-many-listings)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services.products import variant_create
from inventory.cost_models import LandedCost
from listings.models import Listing
from pricing import rule_services
from pricing.models import PriceChange
from pricing.rule_selectors import listings_for_rules, listings_inputs, resolve_scope
from pricing.rule_services import listing_price_limits_set, price_rules_preview
from pricing.rules import RuleSpec, evaluate, suggest_price
from pricing.services import channel_fee_create

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def varied_listings(make_channel, make_listing, make_listable_product):
    """Listings whose inputs differ in every way the engine reads, several sharing price and cost."""
    shop, other = make_channel("shopify"), make_channel("shopify")
    shop.price_rounding_ending = Decimal("0.99")
    shop.save(update_fields=["price_rounding_ending"])
    channel_fee_create(channel=shop, referral_pct=Decimal("15"), referral_min=Decimal("0.25"), fixed_fee=Decimal("0.5"))
    listings = []
    for cost in ("8.00", "8.00", "8.00", "11.40", "3.10", "15.00"):
        listings.append(make_listing(product=make_listable_product(cost_price=Decimal(cost)), channel=shop))
    categorised = listings[3].product.category
    channel_fee_create(channel=shop, category=categorised, referral_pct=Decimal("8"), margin_floor_pct=Decimal("30"))
    listings.append(make_listing(product=make_listable_product(cost_price=Decimal("8.00")), channel=other))
    tagged = make_listable_product(cost_price=Decimal("6.00"), attributes={"tags": ["Summer"]})
    listings.append(make_listing(product=tagged, channel=shop, price=Decimal("24.50")))  # an override
    with_variants = make_listable_product(cost_price=Decimal("7.00"))
    small = variant_create(product=with_variants, sku="BULK-S", options={"Size": "S"}, quantity=1, price="18.00")
    variant_create(product=with_variants, sku="BULK-M", options={"Size": "M"}, quantity=1)
    listings.append(make_listing(product=with_variants, channel=shop))  # stock: the sum of its variants
    listings.append(make_listing(product=with_variants, variant=small, channel=shop))
    LandedCost.objects.create(product=listings[1].product, landed_cost=Decimal("9.35"), currency="USD", computed_at=NOW)
    listing_price_limits_set(listing=listings[2], min_price=Decimal("19.00"), max_price=Decimal("30.00"))
    listing_price_limits_set(listing=listings[5], margin_floor_pct=Decimal("40"))
    listing_price_limits_set(listing=listings[4], max_price=Decimal("22.00"))
    PriceChange.objects.create(listing=listings[0], old_price=Decimal("17.99"), new_price=Decimal("20.00"))
    older = PriceChange.objects.create(listing=listings[4], old_price=Decimal("21.00"), new_price=Decimal("20.00"))
    PriceChange.objects.filter(pk=older.pk).update(created_at=NOW - timedelta(hours=30))
    return listings


def _rules(shop_id: int, listing_id: int) -> list[RuleSpec]:
    window = {"price_change_pct": -5, "weekdays": [0, 1, 2, 3, 4, 5, 6], "start_time": "00:00", "end_time": "23:59"}
    return [
        RuleSpec(1, "Floor", "all", "", "margin_floor", {"min_margin_pct": 25}, 10),
        RuleSpec(2, "Scarce", "all", "", "inventory_based", {"when_below": 3, "price_change_pct": 10}, 100),
        RuleSpec(3, "Beat", "channel", str(shop_id), "competitor_beat", {"beat_by_pct": 2, "max_step_pct": 10}, 200),
        RuleSpec(4, "Summer", "tag", "summer", "time_based", window, 300),
        RuleSpec(5, "One", "listing", str(listing_id), "competitor_match", {"our_shipping": "1.00"}, 400),
    ]


def _alone(rules, listing_id, competitor_price):
    """The listing evaluated by itself from its model instance (listings_inputs), as the engine's own tests do."""
    listing = listings_for_rules().get(pk=listing_id)
    (item,) = listings_inputs([listing], NOW, competitor_price=competitor_price)
    evaluation = evaluate(rules, item, NOW)
    shipping = Decimal(evaluation.rule.config.get("our_shipping") or 0) if evaluation.rule else Decimal("0")
    return item, evaluation, suggest_price(item, evaluation.floor_pct, NOW, our_shipping=shipping)


@pytest.mark.slow
@pytest.mark.parametrize("competitor_price", [Decimal("15.00"), Decimal("19.40"), None], ids=str)
def test_preview_of_many_listings_equals_each_listing_alone_case(varied_listings, monkeypatch, competitor_price):
    # given: listings varied in cost, fee row, channel, limits, history, stock, override; chunks of 3
    monkeypatch.setattr(rule_services, "CHUNK", 3)
    shop_id = varied_listings[0].channel_id
    rules = [resolve_scope(rule) for rule in _rules(shop_id, varied_listings[6].pk)]
    ids = [listing.pk for listing in varied_listings]
    # when
    rows = price_rules_preview(rules=rules, listings=ids, competitor_price=competitor_price, now=NOW)
    # then: inputs, evaluation and suggestion are those of each listing alone
    assert [row.listing_id for row in rows] == sorted(ids)
    for row in rows:
        item, evaluation, suggestion = _alone(rules, row.listing_id, competitor_price)
        assert row.inputs == item
        assert row.evaluation == evaluation
        assert row.suggestion == suggestion
        assert row.as_dict()["listing"] == row.listing_id
    assert len({row.evaluation.proposed_price for row in rows}) > 3  # the case is varied, not all one price
    assert len({row.evaluation.rule.name for row in rows if row.evaluation.rule}) >= 3


def test_preview_queries_are_constant_per_chunk(make_channel, make_listing, make_listable_product, monkeypatch):
    # given: 6 listings, chunks of 2
    monkeypatch.setattr(rule_services, "CHUNK", 2)
    channel = make_channel("shopify")
    channel_fee_create(channel=channel, referral_pct=Decimal("15"))
    ids = [
        make_listing(product=make_listable_product(cost_price=Decimal("8.00")), channel=channel).pk for _ in range(6)
    ]
    rules = [RuleSpec(None, "Beat", "all", "", "competitor_beat", {"beat_by_amount": "0.10"})]
    counts = []
    for size in (2, 4, 6):
        # when
        with CaptureQueriesContext(connection) as queries:
            rows = price_rules_preview(rules=rules, listings=ids[:size], competitor_price=Decimal("18.00"))
        counts.append(len(queries))
        assert len(rows) == size
    # then: each chunk adds the same two queries (listings with what they join, price changes; no competitor linked)
    per_chunk = counts[1] - counts[0]
    assert counts[2] - counts[1] == per_chunk
    assert per_chunk == 2


def test_preview_loads_listings_only_when_asked(varied_listings, django_assert_max_num_queries):
    ids = [listing.pk for listing in varied_listings[:3]]
    rules = [RuleSpec(None, "Floor", "all", "", "margin_floor", {"min_margin_pct": 25})]
    bare = price_rules_preview(rules=rules, listings=ids, now=NOW)
    with django_assert_max_num_queries(12):
        named = price_rules_preview(rules=rules, listings=ids, now=NOW, with_listings=True)
    assert [row.listing for row in bare] == [None, None, None]
    assert [row.listing.pk for row in named if row.listing] == sorted(ids)
    assert [str(row.listing) for row in named] == [str(Listing.objects.get(pk=pk)) for pk in sorted(ids)]
