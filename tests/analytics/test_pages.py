"""The staff page /analytics/ and the dashboard's chart."""

import pytest
from django.utils import timezone

from accounts.roles import VIEWER
from accounts.services import user_channels_restrict
from analytics.services import channel_daily_stats_compute

pytestmark = pytest.mark.django_db


def test_page_shows_tables_chart_and_the_traffic_note(staff_client, worked_day, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = staff_client.get("/analytics/", {"from": "2026-11-01", "to": "2026-11-02"})

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Daily figures of {worked_day.name}" in page
    assert "Traffic (sessions, page views): not available from this marketplace." in page
    for figure in ("97.00", "77.00", "24.25"):
        assert figure in page
    assert 'class="ok-bar"' in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]


def test_page_refuses_bad_input_on_the_field(staff_client, shop):
    response = staff_client.get("/analytics/", {"from": "2026-11-05", "to": "2026-11-01"})

    assert response.status_code == 200
    assert "&#x27;from&#x27; (2026-11-05) is after &#x27;to&#x27; (2026-11-01)." in response.content.decode()
    assert "Daily figures of" not in response.content.decode()


def test_page_of_a_limited_user(client, make_user, shop, make_channel):
    other = make_channel("etsy", name="Hidden Etsy")
    viewer = make_user("limited", VIEWER)
    user_channels_restrict(target=viewer, channel_ids=[shop.pk])
    client.force_login(viewer)

    page = client.get("/analytics/").content.decode()
    assert shop.name in page
    assert other.name not in page
    assert "Unknown channel" in client.get("/analytics/", {"channel": other.pk}).content.decode()


def test_page_needs_login(client):
    assert client.get("/analytics/").status_code == 302


def test_dashboard_has_the_chart_per_channel(staff_client, worked_day):
    page = staff_client.get("/").content.decode()

    assert 'id="sales"' in page
    assert f'data-channel="{worked_day.pk}"' in page


def test_admin_lists_the_rows_read_only(staff_client, shop):
    today = timezone.localdate()
    channel_daily_stats_compute(first=today, last=today)

    assert staff_client.get("/admin/analytics/channeldailystats/").status_code == 200
    assert staff_client.get("/admin/analytics/channeldailystats/add/").status_code == 403
