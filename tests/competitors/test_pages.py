"""Competitor pages: list, add (with bad input next to its field), detail with the SVG chart and "observe now",
the alert inbox and its status actions; viewers read, only editors act; admin pages render."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.roles import VIEWER
from competitors.choices import AlertStatus
from competitors.models import Alert, Competitor
from competitors.services import competitor_observe

from .conftest import KETTLE, SELLERS

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_add_observe_and_see_the_chart(staff_client, amazon, make_listing, sandbox):
    listing = make_listing(channel=amazon)
    response = staff_client.post(
        reverse("competitors:competitor_create"),
        {"channel": amazon.pk, "item_id": KETTLE, "seller_id": SELLERS[2], "tracking_priority": "normal",
         "is_active": "on", "listings": [listing.pk]},
    )  # fmt: skip
    competitor = Competitor.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("competitors:competitor_detail", args=[competitor.pk])

    response = staff_client.post(reverse("competitors:competitor_observe", args=[competitor.pk]))
    assert _messages(response)[-1].endswith("52.00 USD.")
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], stock=0)
    staff_client.post(reverse("competitors:competitor_observe", args=[competitor.pk]))

    page = staff_client.get(reverse("competitors:competitor_detail", args=[competitor.pk])).content.decode()
    assert 'data-series="landed"' in page
    assert 'data-series="no-offer"' in page
    assert "Out of stock" in page
    listing_page = staff_client.get(reverse("competitors:competitor_list")).content.decode()
    assert "no offer" in listing_page


def test_a_bad_asin_is_shown_next_to_the_field_and_nothing_saved(staff_client, amazon):
    response = staff_client.post(
        reverse("competitors:competitor_create"),
        {"channel": amazon.pk, "item_id": "NOT-AN-ASIN", "tracking_priority": "normal"},
    )
    assert response.status_code == 400
    assert "An ASIN is 10 letters or digits" in response.content.decode()
    assert not Competitor.objects.exists()


def test_observe_now_shows_the_marketplaces_refusal(staff_client, make_competitor):
    competitor = make_competitor(item_id="B000000000")
    response = staff_client.post(reverse("competitors:competitor_observe", args=[competitor.pk]))
    assert "B000000000 is not valid" in _messages(response)[-1]
    page = staff_client.get(reverse("competitors:competitor_detail", args=[competitor.pk])).content.decode()
    assert "B000000000 is not valid" in page


def test_inbox_shows_open_alerts_and_dismiss_hides_them(staff_client, make_competitor, sandbox):
    competitor = make_competitor(seller_id=SELLERS[2])
    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="49.00")
    competitor_observe(competitor=competitor)
    alert = Alert.objects.get()
    inbox = reverse("competitors:alert_list")
    assert f'data-alert="{alert.pk}"' in staff_client.get(inbox).content.decode()

    response = staff_client.post(
        reverse("competitors:alert_status", args=[alert.pk]), {"status": "dismissed", "back": inbox}
    )
    assert response.url == inbox
    assert Alert.objects.get().status == AlertStatus.DISMISSED
    assert f'data-alert="{alert.pk}"' not in staff_client.get(inbox).content.decode()
    assert f'data-alert="{alert.pk}"' in staff_client.get(inbox + "?status=dismissed").content.decode()

    refused = staff_client.post(reverse("competitors:alert_status", args=[alert.pk]), {"status": "new"})
    assert _messages(refused)[-1] == "Choose viewed, actioned or dismissed."
    assert Alert.objects.get().status == AlertStatus.DISMISSED


def test_a_viewer_reads_but_cannot_act(client, make_user, make_competitor):
    competitor = make_competitor(seller_id=SELLERS[0])
    client.force_login(make_user("vera", VIEWER))
    assert client.get(reverse("competitors:competitor_list")).status_code == 200
    assert client.get(reverse("competitors:competitor_detail", args=[competitor.pk])).status_code == 200
    assert client.get(reverse("competitors:alert_list")).status_code == 200
    assert client.post(reverse("competitors:competitor_observe", args=[competitor.pk])).status_code == 403
    assert client.get(reverse("competitors:competitor_create")).status_code == 403
    assert not competitor.observations.exists()


def test_list_pages_use_few_queries(staff_client, make_competitor, django_assert_max_num_queries):
    for seller in SELLERS:
        competitor_observe(competitor=make_competitor(seller_id=seller))
    for name in ("competitors:competitor_list", "competitors:alert_list"):
        with django_assert_max_num_queries(20):
            assert staff_client.get(reverse(name)).status_code == 200


def test_admin_pages_render_and_observe_action(admin_client, make_competitor):
    competitor = make_competitor(seller_id=SELLERS[0])
    for name in ("competitor", "competitorobservation", "alert"):
        assert admin_client.get(reverse(f"admin:competitors_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:competitors_competitor_change", args=[competitor.pk])).status_code == 200
    response = admin_client.post(
        reverse("admin:competitors_competitor_changelist"),
        {"action": "observe_now", "_selected_action": [competitor.pk]},
    )
    assert _messages(response)[-1] == "Observed 1, failed 0."
    assert competitor.observations.count() == 1
