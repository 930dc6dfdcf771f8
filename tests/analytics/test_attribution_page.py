"""The page /analytics/attribution/ ("Changes and their effect") and the admin of the events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import VIEWER
from accounts.services import user_channels_restrict
from analytics.models import AttributionEvent
from analytics.services.attribution import attribution_analyse
from inventory.models import StockMovement
from inventory.services import stock_adjust, stock_for_product

from .attribution_data import CHANGE_DAY, TODAY, at, worked_example

pytestmark = pytest.mark.django_db
URL = "/analytics/attribution/"


@pytest.fixture
def scene(make_channel):
    scene = worked_example(make_channel)
    move = stock_adjust(stock=stock_for_product(scene.listing.product), delta=-100, reason="damaged")
    StockMovement.objects.filter(pk=move.pk).update(created_at=at(CHANGE_DAY + timedelta(days=6)))
    attribution_analyse(since=CHANGE_DAY - timedelta(days=3), today=TODAY)
    return scene


def row_of(page, event):
    return page.split(f'data-event="{event.pk}"', 1)[1].split("</tr>", 1)[0]


def test_page_shows_each_change_with_its_effect(staff_client, scene, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = staff_client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    event = AttributionEvent.objects.get(listing=scene.listing)
    row = row_of(page, event)
    assert "Title" in row
    assert f'href="/listings/{scene.listing.pk}/history/compare/?a=1&amp;b=2"' in row  # the version diff
    assert "10.00 → 12.00" in row  # units per day
    assert "1400.00 → 1680.00" in row  # revenue
    assert "0.100 → 0.120" in row  # conversion
    assert "15.00 → 16.50" in row  # the control's, with its size
    assert "2 listings" in row
    assert "+10.00" in row
    assert "90.84 %" in row
    assert 'class="badge verdict status-ok">Positive' in row
    assert 'data-code="stock_out"' in row
    assert "Stock-out days" in row
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]


def test_each_row_has_the_listing_pages_chart(staff_client, scene):
    event = AttributionEvent.objects.get(listing=scene.listing)

    row = row_of(staff_client.get(URL).content.decode(), event)

    chart = row.split(f'data-event-chart="{event.pk}"', 1)[1].split("</td>", 1)[0]
    assert 'data-chart="attribution"' in chart
    assert chart.count('data-series="listing"') == 2  # 7 days before and 7 after: one line each side
    assert chart.count('data-series="control"') == 2
    assert "data-change-day" in chart
    assert "Nov 10" in chart  # the change day under its dashed line
    peak = max(v for d in event.daily_units for v in (d["units"], d["control_units"]) if v is not None)
    assert f"max {peak:g} units/day" in chart  # one scale for both lines


def test_a_change_without_daily_values_says_so_instead_of_a_chart(staff_client, scene):
    event = AttributionEvent.objects.get(listing=scene.listing)
    AttributionEvent.objects.filter(pk=event.pk).update(daily_units=[])

    row = row_of(staff_client.get(URL).content.decode(), event)

    assert "data-chart-empty" in row
    assert "no daily values" in row
    assert 'data-chart="attribution"' not in row


def test_the_charts_cost_no_query_per_row(staff_client, scene):
    # given the page's query count with the scene's events
    with CaptureQueriesContext(connection) as few:
        staff_client.get(URL)
    # when 20 more measured changes with their daily values are listed
    event = AttributionEvent.objects.get(listing=scene.listing)
    for n in range(20):
        event.pk = None
        event.change_id = 10_000 + n
        event.save()

    with CaptureQueriesContext(connection) as many:
        page = staff_client.get(URL).content.decode()

    # then the query count stays the same and every row has its chart
    assert len(many) == len(few)
    assert AttributionEvent.objects.count() > 20
    assert page.count('data-chart="attribution"') == AttributionEvent.objects.exclude(daily_units=[]).count()


def test_filters_and_bad_input_on_the_field(staff_client, scene):
    page = staff_client.get(URL, {"verdict": "positive"}).content.decode()
    assert page.count("data-event=") == 1

    response = staff_client.get(URL, {"change_type": "font_change", "listing": "abc"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. font_change is not one of the available choices." in page
    assert "Enter a number." in page
    assert "data-event=" not in page
    assert "fix the filter above" in page

    page = staff_client.get(URL, {"listing": "99999"}).content.decode()
    assert "Listing 99999 does not exist." in page


def test_from_and_to_filter_by_the_day_of_the_change(staff_client, scene):
    title = AttributionEvent.objects.get(listing=scene.listing)

    page = staff_client.get(URL, {"from": "2026-11-10", "to": "2026-11-12"}).content.decode()

    assert page.count("data-event=") == 1
    assert f'data-event="{title.pk}"' in page
    assert 'type="date" name="from" value="2026-11-10"' in page  # the fields keep what was asked


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "Enter a date as YYYY-MM-DD."),
        ({"to": "soon"}, "Enter a date as YYYY-MM-DD."),
        (
            {"from": "2026-11-13", "to": "2026-11-10"},
            "&#x27;from&#x27; (2026-11-13) is after &#x27;to&#x27; (2026-11-10).",
        ),
    ],
    ids=["from_not_a_date", "to_not_a_date", "from_after_to"],
)
def test_a_bad_range_is_a_form_error(staff_client, scene, params, message):
    response = staff_client.get(URL, params)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "data-event=" not in page
    assert "fix the filter above" in page
    assert 'name="verdict"' in page  # the rest of the form is there


def test_a_limited_user_sees_only_their_channels(client, make_user, scene):
    viewer = make_user("limited", VIEWER)
    user_channels_restrict(target=viewer, channel_ids=[scene.others["elsewhere"].channel_id])
    client.force_login(viewer)

    page = client.get(URL).content.decode()

    assert "data-event=" not in page
    assert "No measured changes" in page


def test_linked_from_the_analytics_page(staff_client, db):
    assert f'href="{URL}"' in staff_client.get("/analytics/").content.decode()


def test_admin_lists_and_measures_again(staff_client, scene):
    event = AttributionEvent.objects.get(listing=scene.listing)
    AttributionEvent.objects.filter(pk=event.pk).update(verdict="inconclusive")

    assert staff_client.get("/admin/analytics/attributionevent/").status_code == 200
    assert staff_client.get(f"/admin/analytics/attributionevent/{event.pk}/change/").status_code == 200
    response = staff_client.post(
        "/admin/analytics/attributionevent/",
        {"action": "measure_again", "_selected_action": [event.pk]},
        follow=True,
    )

    assert response.status_code == 200
    event.refresh_from_db()
    assert event.verdict == "positive"  # measured again, today
    assert AttributionEvent.objects.filter(listing=scene.listing).count() == 1
    assert "1 changes measured." in response.content.decode()
