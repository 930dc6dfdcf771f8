"""The attribution method (analytics/attribution.py): the worked example of docs/analytics.md#attribution, the
sign of the difference in differences, each confounder, and every inconclusive case. Pure: no database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from analytics.attribution import (
    Day,
    analyse,
    content_change_type,
    t_two_sided_p,
    welch,
    windows,
)

CHANGE = date(2026, 11, 10)
LATER = date(2026, 11, 25)  # the after window (11-11 .. 11-17) ended 8 days before: settled
BEFORE, AFTER = windows(CHANGE)


def series(before, after, *, sessions=None, price="20.00", bsr=None):
    """Days of one listing: units before and after (None: no row that day)."""
    rows = {}
    for n, (day, units) in enumerate(zip(BEFORE + AFTER, list(before) + list(after), strict=True)):
        if units is None:
            continue
        rows[day] = Day(
            units=units,
            sessions=sessions[n] if sessions else None,
            revenue=Decimal(price) * units,
            bsr=bsr,
        )
    return rows


# The worked example of docs/analytics.md#attribution.
LISTING = series([10, 12, 8, 10, 11, 9, 10], [12, 13, 11, 12, 14, 10, 12], sessions=[100] * 14, bsr=None)
CONTROL_A = series([20, 22, 18, 20, 21, 19, 20], [21, 22, 20, 21, 22, 19, 22])
CONTROL_B = series([10, 9, 11, 10, 10, 11, 9], [12, 12, 11, 13, 12, 12, 12])


def test_windows_leave_the_change_day_out():
    assert BEFORE[0] == date(2026, 11, 3)
    assert BEFORE[-1] == date(2026, 11, 9)
    assert AFTER[0] == date(2026, 11, 11)
    assert AFTER[-1] == date(2026, 11, 17)


def test_the_worked_example():
    result = analyse(change_day=CHANGE, treated=LISTING, controls=[CONTROL_A, CONTROL_B], analysis_date=LATER)

    assert result.metrics_before == {
        "days": 7,
        "sessions_avg": 100.0,
        "conversion_rate": 0.1,
        "units_total": 70,
        "units_avg": 10.0,
        "revenue_total": 1400.0,
        "bsr_avg": None,
    }
    assert (result.metrics_after["units_total"], result.metrics_after["units_avg"]) == (84, 12.0)
    assert result.metrics_after["conversion_rate"] == 0.12
    assert result.metrics_after["revenue_total"] == 1680.0
    assert result.control_before["units_avg"] == 15.0
    assert result.control_after["units_avg"] == 16.5
    assert result.control_before["listings"] == 2
    assert result.control_before["units_total"] == 210
    # listing +20 %, control +10 %: 10 points
    assert result.impact_score == Decimal("10.00")
    assert result.confidence == Decimal("90.84")
    assert result.verdict == "positive"
    assert result.confounders == []
    assert "Welch's t = 1.837 with 11.8 degrees of freedom, p = 0.0916." in result.notes


def test_the_control_is_subtracted_and_sets_the_sign():
    """The worked example's listing against a control that grew 30 %: its +20 % is a 10-point loss."""
    control = series([10] * 7, [13] * 7)
    result = analyse(change_day=CHANGE, treated=LISTING, controls=[control], analysis_date=LATER)
    assert result.impact_score == Decimal("-10.00")
    assert result.verdict == "no_effect"  # the listing's own day-to-day noise is as large as that

    steady = series([10] * 7, [12] * 7)  # no noise at all: the same 10 points are certain
    result = analyse(change_day=CHANGE, treated=steady, controls=[control], analysis_date=LATER)
    assert result.impact_score == Decimal("-10.00")
    assert (result.confidence, result.verdict) == (Decimal("100.00"), "negative")


def test_a_flat_control_leaves_the_listing_change_whole():
    flat = series([10] * 7, [10] * 7)
    result = analyse(change_day=CHANGE, treated=LISTING, controls=[flat], analysis_date=LATER)

    assert result.impact_score == Decimal("20.00")


def test_noise_larger_than_the_change_is_no_effect():
    noisy = series([2, 20, 5, 18, 3, 17, 5], [4, 19, 3, 21, 6, 16, 5])
    result = analyse(change_day=CHANGE, treated=noisy, controls=[CONTROL_A, CONTROL_B], analysis_date=LATER)

    assert result.verdict == "no_effect"
    assert result.confidence is not None
    assert result.confidence < Decimal("90")


@pytest.mark.parametrize(
    ("argument", "code"),
    [("price_changes", "price_change"), ("stock_out_days", "stock_out"), ("other_changes", "other_change")],
)
def test_each_confounder_inside_the_window_is_flagged(argument, code):
    inside, outside = CHANGE + timedelta(days=3), CHANGE + timedelta(days=8)
    result = analyse(
        change_day=CHANGE,
        treated=LISTING,
        controls=[CONTROL_A, CONTROL_B],
        analysis_date=LATER,
        **{argument: [inside, outside]},
    )

    assert [c["code"] for c in result.confounders] == [code]
    assert result.confounders[0]["days"] == [inside.isoformat()]  # the day outside the window is not one
    assert result.verdict == "positive"  # flagged, not hidden: the figures stay as measured


def test_no_confounder_outside_the_window():
    result = analyse(
        change_day=CHANGE,
        treated=LISTING,
        controls=[CONTROL_A],
        analysis_date=LATER,
        price_changes=[CHANGE - timedelta(days=8)],
        stock_out_days=[CHANGE + timedelta(days=8)],
    )
    assert result.confounders == []


def test_data_arriving_after_the_window_with_missing_days():
    """The window ended two days ago and its last day is not in yet: flagged, still measured."""
    short = series([10, 12, 8, 10, 11, 9, 10], [12, 13, 11, 12, 14, 10, None])
    result = analyse(
        change_day=CHANGE, treated=short, controls=[CONTROL_A, CONTROL_B], analysis_date=AFTER[-1] + timedelta(days=2)
    )

    assert [c["code"] for c in result.confounders] == ["data_arriving"]
    assert result.verdict != "inconclusive"


def test_still_arriving_is_inconclusive():
    """The after window has not ended: inconclusive, whatever the days so far say."""
    result = analyse(change_day=CHANGE, treated=LISTING, controls=[CONTROL_A, CONTROL_B], analysis_date=AFTER[4])

    assert result.verdict == "inconclusive"
    assert result.confidence is None
    assert "data_arriving" in [c["code"] for c in result.confounders]
    assert result.confounders[-1]["days"] == [d.isoformat() for d in AFTER[4:]]
    assert any(n.startswith("Data still arriving") for n in result.notes)


def test_short_sample_is_inconclusive():
    short = series([10, 12, None, None, None, 9, 10], [12, 13, 11, 12, 14, 10, 12])
    result = analyse(change_day=CHANGE, treated=short, controls=[CONTROL_A, CONTROL_B], analysis_date=LATER)

    assert result.verdict == "inconclusive"
    assert result.metrics_before["days"] == 4
    assert "Too few days with data: 4 before and 7 after (at least 5 each)." in result.notes


def test_no_control_group_is_inconclusive():
    thin_control = series([20, None, None, None, 21, 19, 20], [21, 22, 20, 21, 22, 19, 22])  # 4 days before
    for controls in ([], [thin_control]):
        result = analyse(change_day=CHANGE, treated=LISTING, controls=controls, analysis_date=LATER)

        assert result.verdict == "inconclusive"
        assert result.impact_score is None
        assert result.control_before["listings"] == 0
        assert any(n.startswith("No control group") for n in result.notes)


def test_too_few_units_or_sessions_is_inconclusive():
    few = series([1, 0, 1, 0, 1, 0, 1], [1, 1, 0, 1, 0, 1, 1])
    result = analyse(change_day=CHANGE, treated=few, controls=[CONTROL_A], analysis_date=LATER)
    assert result.verdict == "inconclusive"
    assert "Too few units: 9 over both windows (at least 10)." in result.notes

    rare_visits = series([10] * 7, [12] * 7, sessions=[5] * 14)
    result = analyse(change_day=CHANGE, treated=rare_visits, controls=[CONTROL_A], analysis_date=LATER)
    assert result.verdict == "inconclusive"
    assert "Too few sessions: 70 over both windows (at least 100)." in result.notes


def test_nothing_sold_before_is_inconclusive():
    launch = series([0] * 7, [5] * 7)
    result = analyse(change_day=CHANGE, treated=launch, controls=[CONTROL_A], analysis_date=LATER)

    assert result.verdict == "inconclusive"
    assert result.impact_score is None
    assert "No units before the change: a relative change cannot be measured." in result.notes


def test_welch_and_the_t_distribution():
    assert t_two_sided_p(2.228, 10) == pytest.approx(0.05, abs=1e-4)
    assert t_two_sided_p(0.0, 5) == pytest.approx(1.0)
    assert t_two_sided_p(1.96, 100000) == pytest.approx(0.05, abs=1e-3)
    t, df, p = welch([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0])
    assert t == pytest.approx(2.1909, abs=1e-4)
    assert df == pytest.approx(6.0)
    assert p == pytest.approx(0.0710, abs=1e-4)
    assert welch([1.0, 1.0], [2.0, 2.0])[2] == 0.0  # no noise, a difference: certain


@pytest.mark.parametrize(
    ("fields", "before", "after", "expected"),
    [
        (["title"], 1, 1, "title_update"),
        (["bullet_points"], 1, 1, "bullet_update"),
        (["description", "short_description"], 1, 1, "description_update"),
        (["images"], 1, 2, "image_add"),
        (["images"], 2, 1, "image_remove"),
        (["images"], 2, 2, "image_update"),
        (["search_terms"], 1, 1, "seo_update"),
        (["category_id"], 1, 1, "category_change"),
        (["brand"], 1, 1, "attribute_update"),
        (["title", "images"], 1, 2, "content_update"),
    ],
)
def test_change_type_from_the_version_diff(fields, before, after, expected):
    assert content_change_type(fields, before, after) == expected
