"""Competitor writes besides observing: create/update/link/delete with bad input, the task, the schedule,
throttling, model invariants, admin create/change and alert admin actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from common.errors import ApplicationError
from competitors.choices import AlertStatus
from competitors.models import Alert, Competitor, CompetitorObservation
from competitors.schedules import schedule_specs
from competitors.services import (
    alert_status_set,
    competitor_delete,
    competitor_listings_link,
    competitor_observe,
    competitor_update,
)
from competitors.tasks import competitors_observe_task

from .conftest import KETTLE, SELLERS

pytestmark = pytest.mark.django_db


def test_update_link_and_delete(make_competitor, make_listing, amazon, make_sandbox_channel):
    competitor = make_competitor(seller_id=SELLERS[0])
    listing = make_listing(channel=amazon)
    competitor_listings_link(competitor=competitor, listings=[listing])
    competitor = competitor_update(competitor=competitor, name="Kettle rival", is_active=False, listings=[listing])
    assert (competitor.name, competitor.is_active, list(competitor.listings.all())) == (
        "Kettle rival",
        False,
        [listing],
    )

    with pytest.raises(ApplicationError, match="cannot change: item_id"):
        competitor_update(competitor=competitor, item_id="B000000001")
    other = make_listing(channel=make_sandbox_channel("etsy"))
    with pytest.raises(ValidationError, match="not on"):
        competitor_listings_link(competitor=competitor, listings=[other])
    assert list(competitor.listings.all()) == [listing]

    competitor_delete(competitor=competitor)
    assert not Competitor.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"seller_id": SELLERS[0]}, "already tracked", id="duplicate_case"),
        pytest.param({"colour": "red"}, "Unknown field", id="unknown_field_case"),
    ],
)
def test_create_refuses_duplicates_and_unknown_fields(make_competitor, fields, message):
    make_competitor(seller_id=SELLERS[0])
    with pytest.raises((ValidationError, ApplicationError), match=message):
        make_competitor(**fields)
    assert Competitor.objects.count() == 1


def test_an_etsy_competitor_has_no_seller_and_a_numeric_id(etsy):
    from competitors.services import competitor_create

    with pytest.raises(ValidationError, match="one seller"):
        competitor_create(channel=etsy, item_id="1500000001", seller_id="x")
    with pytest.raises(ValidationError, match="is a number"):
        competitor_create(channel=etsy, item_id="B0ABC")
    assert not Competitor.objects.exists()


def test_observation_invariants_never_store_zero_or_a_price_without_offer(make_competitor):
    competitor = make_competitor()
    now = timezone.now()
    for fields, message in (
        ({"has_offer": True, "price": Decimal("0")}, "above 0"),
        ({"has_offer": False, "price": Decimal("3"), "landed_price": Decimal("3")}, "no price"),
        ({"has_offer": True, "price": None}, "needs a price"),
    ):
        with pytest.raises(ValidationError, match=message):
            CompetitorObservation(competitor=competitor, time=now, **fields).full_clean()


def test_throttling_is_kept_and_raised_with_the_wait(make_competitor, sandbox, amazon):
    competitor = make_competitor(seller_id=SELLERS[0])
    sandbox.set_rate("amazon", rate=0.001, burst=1)
    competitor_observe(competitor=competitor)
    with pytest.raises(ApplicationError, match="throttling|refused"):
        competitor_observe(competitor=competitor)
    assert CompetitorObservation.objects.count() == 1
    competitor.refresh_from_db()
    assert competitor.last_error


def test_the_task_observes_every_active_competitor_and_tolerates_a_gone_channel(make_competitor, amazon):
    make_competitor(seller_id=SELLERS[0])
    assert competitors_observe_task() == {"observed": 1, "failed": 0, "alerts": 0}
    assert competitors_observe_task(channel_id=amazon.pk)["observed"] == 1
    assert competitors_observe_task(channel_id=987654) == {"observed": 0, "failed": 0, "alerts": 0}


def test_the_schedule_follows_the_setting(settings):
    settings.COMPETITORS_OBSERVE_MINUTES = 15
    [spec] = schedule_specs()
    assert (spec.name, spec.func, spec.minutes) == (
        "competitors.observe",
        "competitors.tasks.competitors_observe_task",
        15,
    )


def test_rank_moves_fold_into_one_alert_with_the_whole_move(make_competitor, sandbox):
    competitor = make_competitor(seller_id=SELLERS[0])
    start = timezone.now()
    sandbox.set_competitor("amazon", KETTLE, rank=1000)
    competitor_observe(competitor=competitor, now=start)
    for n, rank in enumerate((1200, 1400, 1700), start=1):
        sandbox.set_competitor("amazon", KETTLE, rank=rank)
        competitor_observe(competitor=competitor, now=start + timedelta(minutes=n))
    [alert] = Alert.objects.filter(alert_type="rank_change")
    assert (alert.previous_value, alert.new_value, alert.occurrences, alert.severity) == (
        "1000",
        "1700",
        3,
        "medium",
    )  # 700 places: >= 500
    assert alert.change_pct == Decimal("70.00")


def test_alert_status_viewed_then_actioned(make_competitor, sandbox):
    competitor = make_competitor(seller_id=SELLERS[2])
    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="49.00")
    competitor_observe(competitor=competitor)
    alert = Alert.objects.get()
    alert = alert_status_set(alert=alert, status=AlertStatus.VIEWED)
    assert (alert.status, alert.actioned_at) == ("viewed", None)
    alert = alert_status_set(alert=alert, status=AlertStatus.ACTIONED, action_taken="lowered ours")
    assert alert.actioned_at is not None
    with pytest.raises(ValidationError, match="status must be one of"):
        alert_status_set(alert=alert, status="archived")


def test_admin_create_change_and_alert_actions(admin_client, amazon, make_listing, make_competitor, sandbox):
    listing = make_listing(channel=amazon)
    response = admin_client.post(
        reverse("admin:competitors_competitor_add"),
        {"channel": amazon.pk, "item_id": KETTLE, "seller_id": SELLERS[1], "name": "Rival", "tracking_priority": "high",
         "is_active": "on", "listings": [listing.pk]},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    competitor = Competitor.objects.get()
    assert list(competitor.listings.all()) == [listing]
    response = admin_client.post(
        reverse("admin:competitors_competitor_change", args=[competitor.pk]),
        {"name": "Renamed", "tracking_priority": "low", "listings": []},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    competitor.refresh_from_db()
    assert (competitor.name, competitor.is_active, competitor.listings.count()) == ("Renamed", False, 0)

    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[1], price="40.00")
    competitor_observe(competitor=competitor)
    ids = list(Alert.objects.values_list("pk", flat=True))
    changelist = reverse("admin:competitors_alert_changelist")
    admin_client.post(changelist, {"action": "mark_viewed", "_selected_action": ids})
    assert set(Alert.objects.values_list("status", flat=True)) == {"viewed"}
    admin_client.post(changelist, {"action": "mark_dismissed", "_selected_action": ids})
    assert set(Alert.objects.values_list("status", flat=True)) == {"dismissed"}
    response = admin_client.post(
        reverse("admin:competitors_alert_change", args=[ids[0]]), {"status": "actioned", "action_taken": "done"}
    )
    assert response.status_code == 302
    assert Alert.objects.get(pk=ids[0]).action_taken == "done"
