"""Two repricers against each other over the sandbox socket (docs/pricing.md#two-repricers-in-the-sandbox): ours (a
guarded `competitor_beat` rule fed by competitor observations) and a rival seller on the sandbox's Amazon catalog
that undercuts us by 1 % down to its own floor. Ours must settle at its margin floor in a bounded number of price
changes instead of racing down or oscillating."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
import requests

from competitors.services import competitor_observe
from pricing.models import PriceChange
from pricing.rule_services import price_rule_create, price_rules_auto_apply

from .conftest import KETTLE, SELLERS

pytestmark = pytest.mark.django_db

D = Decimal
RIVAL, RIVAL_FLOOR = SELLERS[0], D("35.00")  # the kettle's buy-box seller, at 44.90 to start
OUR_FLOOR = D("37.50")  # cost 30.00, no fees, 20 % floor: 30 / 0.80
ROUNDS = 30
MAX_CHANGES = 15  # 44.90 → 37.50 at about 2 % a round (both sides' 1 %) is 9-10 changes


def _control(sandbox, **values):
    """The sandbox's control API over its HTTP socket (POST /_control/competitor)."""
    response = requests.post(
        f"{sandbox.base_url}/_control/competitor",
        json={"marketplace": "amazon", "item_id": KETTLE, **values},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _rival_reprices(sandbox, ours: Decimal) -> Decimal:
    """The rival's naive repricer: 1 % under our price, never under its floor."""
    price = max(RIVAL_FLOOR, (ours * D("0.99")).quantize(D("0.01"), rounding=ROUND_HALF_UP))
    _control(sandbox, seller_id=RIVAL, price=str(price))
    return price


def test_our_guarded_repricer_settles_at_its_floor_against_a_rival_repricer(
    sandbox, amazon, make_competitor, make_listing, make_listable_product
):
    # given our listing at 50.00 costing 30.00, the kettle's other sellers out of stock (a two-seller race), and our
    # auto rule: beat the lowest landed price by 1 %, floor 20 %, room for many changes a day (no daily cap help)
    listing = make_listing(channel=amazon, price=D("50.00"), product=make_listable_product(cost_price=D("30.00")))
    for seller in SELLERS[1:]:
        _control(sandbox, seller_id=seller, stock=0)
    competitor = make_competitor(item_id=KETTLE, listings=[listing])  # the whole item: its lowest landed offer
    price_rule_create(
        name="Beat by 1 %",
        rule_type="competitor_beat",
        config={"beat_by_pct": 1, "min_margin_pct": 20, "max_changes_per_day": 100},
        auto=True,
    )

    # when both reprice in turns: we observe the rival through getItemOffers, our auto rules apply, the rival answers
    ours, rival, history = D("50.00"), D("44.90"), []
    for _ in range(ROUNDS):
        competitor_observe(competitor=competitor)
        price_rules_auto_apply(listing_ids=[listing.pk])
        listing.refresh_from_db()
        ours_now = listing.price
        rival_now = _rival_reprices(sandbox, ours_now)
        history.append((ours_now, rival_now))
        if (ours_now, rival_now) == (ours, rival):
            break
        ours, rival = ours_now, rival_now

    # then ours stopped at its floor, the rival 1 % under it, and both stayed there: settled, not racing or bouncing
    assert len(history) < ROUNDS, f"no settlement in {ROUNDS} rounds: {history}"
    assert history[-1] == (OUR_FLOOR, D("37.13"))
    assert all(price >= OUR_FLOOR for price, _ in history)
    our_prices = [price for price, _ in history]
    assert our_prices == sorted(our_prices, reverse=True)  # never back up: no A → B → A
    changes = PriceChange.objects.filter(listing=listing).order_by("id")
    assert 0 < changes.count() <= MAX_CHANGES
    assert changes.last().new_price == OUR_FLOOR
    assert changes.last().clipping_guard == "margin_floor"
    assert competitor_observe(competitor=competitor).lowest_price == D("37.13")  # the sandbox holds the rival's price
