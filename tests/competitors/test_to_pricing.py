"""A competitor observation reaches pricing (docs/competitors.md#for-price-rules): the lowest competitor and
buy-box prices go into the price history, and the `auto` price rules are queued for the linked listings."""

from decimal import Decimal

import pytest
from django_q.models import OrmQ

from competitors.services import competitor_observe
from pricing.history_models import PriceHistory
from pricing.rule_services import price_rule_create

from .conftest import KETTLE, SELLERS

pytestmark = pytest.mark.django_db


def test_an_observation_records_competitor_prices_and_queues_the_auto_rules(make_competitor, make_listing, amazon):
    listing = make_listing(channel=amazon, price=Decimal("50.00"))
    competitor = make_competitor(item_id=KETTLE, seller_id=SELLERS[1], listings=[listing])  # 47.50 + 4.99 shipping

    competitor_observe(competitor=competitor)

    points = {p.kind: p for p in PriceHistory.objects.filter(listing=listing).exclude(kind="ours")}
    assert points["lowest_competitor"].price == Decimal("52.49")
    assert points["lowest_competitor"].source == "competitor"
    assert points["buy_box"].price == Decimal("44.90")
    assert not OrmQ.objects.exists()  # no auto rule: nothing queued

    price_rule_create(name="Beat", rule_type="competitor_beat", config={"beat_by_amount": "0.50"}, auto=True)
    competitor_observe(competitor=competitor)

    # an unchanged price is not recorded twice; the auto rules are queued for the linked listing
    assert PriceHistory.objects.filter(listing=listing, kind="lowest_competitor").count() == 1
    [task] = OrmQ.objects.all()
    assert task.func() == "pricing.rule_tasks.price_rules_auto_apply_task"
    assert task.args() == ([listing.pk],)
