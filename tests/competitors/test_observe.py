"""competitor_observe against the sandbox over HTTP: observation mapping, "no offer" as NULL, alerts and their
grouping, thresholds and severity, threat score, bad input (docs/competitors.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from common.errors import ApplicationError
from competitors.choices import AlertSeverity, AlertStatus, AlertType, StockStatus
from competitors.models import Alert, Competitor, CompetitorObservation
from competitors.services import competitor_create, competitor_observe, competitors_observe

from .conftest import KETTLE, MUG_LISTING, SELLERS

pytestmark = pytest.mark.django_db


def test_a_sellers_offer_is_observed_with_buy_box_rank_and_title(make_competitor, make_listing, amazon):
    # given the buy-box seller on the seeded kettle, linked to our listing at 50.00
    listing = make_listing(channel=amazon, price=Decimal("50.00"))
    competitor = make_competitor(seller_id=SELLERS[0], listings=[listing])

    # when
    observation = competitor_observe(competitor=competitor)

    # then
    assert (observation.has_offer, observation.price, observation.shipping, observation.landed_price) == (
        True, Decimal("44.90"), Decimal("0.00"), Decimal("44.90"))  # fmt: skip
    assert (observation.buy_box_price, observation.lowest_price, observation.offer_count) == (
        Decimal("44.90"), Decimal("44.90"), 3)  # fmt: skip
    assert observation.has_buy_box is True
    assert observation.is_featured_offer is True
    assert observation.stock_status == StockStatus.IN_STOCK
    assert observation.sales_rank is not None
    assert observation.sales_rank > 0
    assert observation.sellers == sorted(SELLERS)
    assert observation.currency == "USD"
    competitor.refresh_from_db()
    assert competitor.title.startswith("Acme KT-200")
    assert competitor.current_price == Decimal("44.90")
    assert competitor.current_bsr == observation.sales_rank
    assert competitor.buy_box_seller == SELLERS[0]
    assert set(competitor.threat_parts) == {"price", "buy_box", "rank", "activity"}
    assert competitor.threat_parts["buy_box"] == "25.00"
    assert competitor.threat_parts["price"] == "40.00"  # 10.2 % cheaper than our 50.00: 20 + 2 x 10.2, capped
    assert competitor.threat_score == sum(Decimal(v) for v in competitor.threat_parts.values())


def test_a_seller_without_an_offer_is_stored_as_no_offer_never_zero(make_competitor, sandbox):
    competitor = make_competitor(seller_id=SELLERS[1])
    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[1], stock=0)

    observation = competitor_observe(competitor=competitor)

    assert (observation.has_offer, observation.price, observation.landed_price) == (False, None, None)
    assert observation.stock_status == StockStatus.OUT_OF_STOCK
    assert CompetitorObservation.objects.filter(price=0).count() == 0
    competitor.refresh_from_db()
    assert competitor.current_price is None
    [alert] = Alert.objects.filter(competitor=competitor)
    assert (alert.alert_type, alert.previous_value, alert.new_value) == (AlertType.OUT_OF_STOCK, "52.49", "no offer")

    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[1], stock=5)
    competitor_observe(competitor=competitor)
    assert Alert.objects.filter(competitor=competitor, alert_type=AlertType.BACK_IN_STOCK).count() == 1


def test_many_moves_within_the_window_make_one_alert(make_competitor, sandbox, make_listing, amazon):
    listing = make_listing(channel=amazon)
    competitor = make_competitor(seller_id=SELLERS[2], listings=[listing])
    start = timezone.now()
    competitor_observe(competitor=competitor, now=start)

    # 52.00 -> 50.00 -> 48.00 -> 45.00 -> 41.00, ten minutes apart
    for n, price in enumerate(("50.00", "48.00", "45.00", "41.00"), start=1):
        sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price=price)
        competitor_observe(competitor=competitor, now=start + timedelta(minutes=10 * n))

    [alert] = Alert.objects.filter(competitor=competitor, alert_type=AlertType.PRICE_DROP)
    assert alert.occurrences == 4
    assert (alert.previous_value, alert.new_value) == ("52.00", "41.00")
    assert alert.change_pct == Decimal("-21.15")
    assert alert.severity == AlertSeverity.CRITICAL  # the whole move, 21 % >= 20
    assert list(alert.affected_listings.all()) == [listing]
    assert alert.last_seen_at - alert.first_seen_at == timedelta(minutes=30)


def test_a_move_after_the_window_starts_a_new_alert(make_competitor, sandbox, settings):
    settings.COMPETITORS_ALERT_WINDOW_MINUTES = 15
    competitor = make_competitor(seller_id=SELLERS[2])
    start = timezone.now()
    competitor_observe(competitor=competitor, now=start)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="49.00")
    competitor_observe(competitor=competitor, now=start + timedelta(minutes=10))
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="46.00")
    competitor_observe(competitor=competitor, now=start + timedelta(minutes=40))

    assert Alert.objects.filter(competitor=competitor, alert_type=AlertType.PRICE_DROP).count() == 2


def test_a_dismissed_alert_takes_no_more_moves(make_competitor, sandbox):
    competitor = make_competitor(seller_id=SELLERS[2])
    start = timezone.now()
    competitor_observe(competitor=competitor, now=start)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="49.00")
    competitor_observe(competitor=competitor, now=start + timedelta(minutes=1))
    Alert.objects.update(status=AlertStatus.DISMISSED)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="45.00")
    competitor_observe(competitor=competitor, now=start + timedelta(minutes=2))

    assert Alert.objects.filter(alert_type=AlertType.PRICE_DROP).count() == 2


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        pytest.param("51.50", None, id="below_first_step_case"),
        pytest.param("50.70", AlertSeverity.LOW, id="2_5pct_low_case"),
        pytest.param("49.00", AlertSeverity.MEDIUM, id="5_8pct_medium_case"),
        pytest.param("46.00", AlertSeverity.HIGH, id="11_5pct_high_case"),
        pytest.param("40.00", AlertSeverity.CRITICAL, id="23pct_critical_case"),
    ],
)
def test_price_move_severity_follows_the_thresholds(make_competitor, sandbox, price, expected):
    competitor = make_competitor(seller_id=SELLERS[2])  # at 52.00
    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price=price)
    competitor_observe(competitor=competitor)

    alerts = list(Alert.objects.filter(alert_type=AlertType.PRICE_DROP).values_list("severity", flat=True))
    assert alerts == ([] if expected is None else [expected])


def test_thresholds_come_from_settings(make_competitor, sandbox, settings):
    settings.COMPETITORS_PRICE_PCT_THRESHOLDS = ["10", "20", "30", "40"]
    competitor = make_competitor(seller_id=SELLERS[2])
    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="55.00")  # +5.8 %
    competitor_observe(competitor=competitor)
    assert not Alert.objects.exists()


def test_rank_change_and_buy_box_won_and_lost(make_competitor, sandbox):
    competitor = make_competitor(seller_id=SELLERS[1])
    sandbox.set_competitor("amazon", KETTLE, rank=1000)
    competitor_observe(competitor=competitor)

    sandbox.set_competitor("amazon", KETTLE, rank=3500)  # +2,500 places: high
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[1], price="40.00", shipping="0")  # takes the buy box
    competitor_observe(competitor=competitor)

    kinds = dict(Alert.objects.values_list("alert_type", "severity"))
    assert kinds == {
        AlertType.RANK_CHANGE: AlertSeverity.HIGH,
        AlertType.BUY_BOX_WON: AlertSeverity.HIGH,
        AlertType.PRICE_DROP: AlertSeverity.CRITICAL,  # 52.49 -> 40.00
    }
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[0], price="39.00")
    competitor_observe(competitor=competitor)
    assert Alert.objects.filter(alert_type=AlertType.BUY_BOX_LOST).count() == 1


def test_a_new_seller_on_a_watched_item_is_a_new_competitor(make_competitor, sandbox):
    competitor = make_competitor()  # the whole item
    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id="ANEWSELLER01", price="43.00")

    observation = competitor_observe(competitor=competitor)

    assert observation.landed_price == Decimal("43.00")  # the item's lowest offer
    [alert] = Alert.objects.filter(alert_type=AlertType.NEW_COMPETITOR)
    assert alert.new_value == "ANEWSELLER01"


def test_the_seeded_schedule_moves_competitors_as_the_clock_advances(make_competitor, sandbox):
    competitors = [make_competitor(seller_id=s) for s in SELLERS]
    first = [competitor_observe(competitor=c).landed_price for c in competitors]
    sandbox.advance_clock(2 * 3600)  # step 2 of the seeded schedule: every seller moved
    later = [competitor_observe(competitor=c).landed_price for c in competitors]
    assert later == [Decimal("41.31"), Decimal("48.69"), Decimal("47.84")]
    assert first != later


def test_an_etsy_listing_is_observed_and_sold_out_is_no_offer(etsy, sandbox):
    competitor = competitor_create(channel=etsy, item_id=MUG_LISTING)
    observation = competitor_observe(competitor=competitor)
    assert (observation.has_offer, observation.price, observation.offer_count) == (True, Decimal("28.00"), 1)
    assert observation.sales_rank is None

    sandbox.set_competitor("etsy", MUG_LISTING, stock=0)
    observation = competitor_observe(competitor=competitor)
    assert (observation.has_offer, observation.price, observation.stock_status) == (False, None, "out_of_stock")
    assert Alert.objects.get().alert_type == AlertType.OUT_OF_STOCK


def test_an_unknown_asin_is_refused_with_the_marketplaces_message_and_nothing_stored(make_competitor):
    competitor = make_competitor(item_id="B000000000")

    with pytest.raises(ApplicationError, match="B000000000 is not valid"):
        competitor_observe(competitor=competitor)

    assert not CompetitorObservation.objects.exists()
    assert not Alert.objects.exists()
    competitor.refresh_from_db()
    assert "B000000000 is not valid" in competitor.last_error
    assert competitor.last_synced_at is None


def test_observing_a_channel_counts_failures_and_goes_on(make_competitor, amazon):
    make_competitor(seller_id=SELLERS[0])
    make_competitor(item_id="B000000000")
    make_competitor(seller_id=SELLERS[1], is_active=False)

    summary = competitors_observe(channel=amazon)

    assert (summary.observed, summary.failed) == (1, 1)
    assert "B000000000" in summary.errors[0]
    assert CompetitorObservation.objects.count() == 1
    assert Competitor.objects.filter(last_error="").count() == 2


def test_a_competitor_price_drop_fires_a_competitive_automation_rule(make_competitor, sandbox, make_listing, amazon):
    """The observation folds the move into an alert and publishes it; a rule waiting for a drop of 5 % or more
    fires on the linked listing once the whole move passes 5 % (docs/automation.md#triggers)."""
    from tests.syncing.engine.conftest import run_queue
    from workflow.models import RuleEvaluation
    from workflow.rule_services import automation_rule_create

    listing = make_listing(channel=amazon)
    competitor = make_competitor(seller_id=SELLERS[2], listings=[listing])
    drop = {"event": "competitor_price_drop", "threshold_pct": 5}
    rule = automation_rule_create(
        name="Undercut", trigger_type="competitive", trigger_config=drop, action_type="tag_listing",
        action_config={"tag": "undercut"}, cooldown_minutes=0,
    )  # fmt: skip
    start = timezone.now()
    competitor_observe(competitor=competitor, now=start)
    for n, price in enumerate(("50.00", "48.00"), start=1):  # 52.00 → 50.00 (−3.85 %) → 48.00 (−7.69 %)
        sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price=price)
        competitor_observe(competitor=competitor, now=start + timedelta(minutes=10 * n))
        run_queue()
    rows = RuleEvaluation.objects.filter(rule=rule).order_by("id")
    assert [(row.listing_id, row.outcome) for row in rows] == [(listing.pk, "not_matched"), (listing.pk, "matched")]
    assert rows[1].inputs["trigger"]["change_pct"] == "-7.69"
