"""The charts of "Changes and their effect" on the listing page
(docs/analytics.md#the-listing-page-changes-and-their-effect): the daily units kept on each event (the worked
example), their layout as SVG (gaps, the change day, one scale), the listing page's section under the CSP (no
script) and the same data in the attribution API."""

from datetime import timedelta

import pytest

from analytics.attribution_chart import SLOT, attribution_chart
from analytics.models import AttributionEvent
from analytics.services.attribution import attribution_analyse

from .attribution_data import CHANGE_DAY, CONTROL_A_UNITS, CONTROL_B_UNITS, LISTING_UNITS, TODAY, worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(make_channel):
    scene = worked_example(make_channel)
    attribution_analyse(since=CHANGE_DAY - timedelta(days=3), today=TODAY)
    return scene


def control_means():
    return [
        (a + b) / 2
        for a, b in zip(CONTROL_A_UNITS[0] + CONTROL_A_UNITS[1], CONTROL_B_UNITS[0] + CONTROL_B_UNITS[1], strict=True)
    ]


def test_the_event_keeps_units_per_day_of_the_listing_and_the_control(scene):
    event = AttributionEvent.objects.get(listing=scene.listing)

    daily = event.daily_units

    assert [d["date"] for d in daily][:2] == ["2026-11-03", "2026-11-04"]
    assert [d["date"] for d in daily][-1] == "2026-11-17"
    assert "2026-11-10" not in [d["date"] for d in daily]  # the change day holds both sides
    assert [d["side"] for d in daily] == ["before"] * 7 + ["after"] * 7
    assert [d["units"] for d in daily] == LISTING_UNITS[0] + LISTING_UNITS[1]
    assert [d["control_units"] for d in daily] == control_means()  # 15, 15.5, 14.5, ... (mean of A and B)


def test_the_api_gives_the_same_daily_units(scene, api):
    event = AttributionEvent.objects.get(listing=scene.listing)

    body = api.get("/api/v1/attribution/", {"listing": scene.listing.pk}).json()
    single = api.get(f"/api/v1/attribution/{event.pk}/").json()

    [row] = body["results"]
    assert row["daily_units"] == single["daily_units"]
    assert row["daily_units"][0] == {"date": "2026-11-03", "side": "before", "units": 10.0, "control_units": 15.0}
    assert row["daily_units"][7] == {"date": "2026-11-11", "side": "after", "units": 12.0, "control_units": 16.5}


def test_chart_layout_of_the_worked_example(scene):
    event = AttributionEvent.objects.get(listing=scene.listing)

    chart = attribution_chart(event.daily_units)

    assert (chart.first.isoformat(), chart.change_day, chart.last.isoformat()) == (
        "2026-11-03",
        CHANGE_DAY,
        "2026-11-17",
    )
    assert chart.peak == 17.0  # one scale for both lines: the control's highest day
    assert chart.change_x == 180.0  # the middle of 15 slots of 24 px
    assert (len(chart.listing.segments), len(chart.control.segments)) == (2, 2)  # broken at the change day
    first_point = chart.listing.segments[0].split()[0]
    assert first_point == f"{SLOT / 2},{round(84 - 10 / 17 * 72, 1)}"  # 10 units on a 17-unit scale
    assert chart.listing.segments[1].split()[0].startswith("204.0,")  # the first after day: slot 8
    assert (chart.listing.days, chart.control.days) == (14, 14)


def test_a_day_without_data_is_a_gap_and_a_lone_day_a_dot():
    daily = [
        {"date": f"2026-11-{d:02d}", "side": "before" if d < 10 else "after", "units": u, "control_units": 5}
        for d, u in zip([3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17],
                        [4, None, 6, None, None, None, 2, 3, 3, 3, 3, 3, 3, 3], strict=True)
    ]  # fmt: skip

    chart = attribution_chart(daily)

    assert chart.listing.dots == [(12.0, round(84 - 4 / 6 * 72, 1)), (60.0, 12.0), (156.0, round(84 - 2 / 6 * 72, 1))]
    assert len(chart.listing.segments) == 1  # the seven after days
    assert chart.listing.days == 10
    assert "0" not in [p.split(",")[1] for s in chart.listing.segments for p in s.split()]  # no zero drawn


@pytest.mark.parametrize("daily_case", [[], [{"date": "2026-11-03"}], "not a list", None])
def test_anything_but_fourteen_days_charts_as_empty(daily_case):
    chart = attribution_chart(daily_case)
    assert chart.is_empty
    assert chart.first is None


def test_listing_page_shows_the_chart_without_script(scene, staff_client):
    page = staff_client.get(f"/listings/{scene.listing.pk}/").content.decode()

    section = page.split('id="changes"', 1)[1].split("</section>", 1)[0]
    assert "Changes and their effect" in section
    assert section.count('data-series="listing"') == 2
    assert section.count('data-series="control"') == 2
    assert 'x1="180.0"' in section  # the change day
    assert "max 17 units/day" in section
    assert f'href="/listings/{scene.listing.pk}/history/compare/?a=1&amp;b=2"' in section
    assert "Positive" in section
    assert "+10.00 pts" in section
    assert "10.00 → 12.00 a day" in section
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]


def test_an_event_measured_before_daily_values_says_so(scene, staff_client):
    AttributionEvent.objects.filter(listing=scene.listing).update(daily_units=[])

    section = staff_client.get(f"/listings/{scene.listing.pk}/").content.decode().split('id="changes"', 1)[1]

    assert "Measured before daily values were kept" in section.split("</section>", 1)[0]


def test_a_listing_without_measured_changes(scene, staff_client):
    control = scene.controls[0]
    section = staff_client.get(f"/listings/{control.pk}/").content.decode().split('id="changes"', 1)[1]
    assert "No measured changes yet." in section.split("</section>", 1)[0]
