"""Importing Amazon's keyword report rows (analytics.keyword_rows -> analytics.services.keywords): rows match our
listings by ASIN; the Search Frequency Rank stays a rank; volumes, trends, shares and conversion from Search Query
Performance; bad rows refused with their number, nothing half-stored."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from analytics.keyword_rows import QueryPerformanceRow, SearchTermRow
from analytics.models import Keyword
from analytics.services import keywords as services

from .conftest import KETTLE_ASIN

pytestmark = pytest.mark.django_db
WEEK = date(2026, 11, 7)
NEXT_WEEK = date(2026, 11, 14)


def term(search_term, rank, asin=KETTLE_ASIN, **fields):
    return SearchTermRow(search_term=search_term, search_frequency_rank=rank, clicked_asin=asin, **fields)


def query(search_query, volume, asin=KETTLE_ASIN, **fields):
    return QueryPerformanceRow(asin=asin, search_query=search_query, search_query_volume=volume, **fields)


def test_search_terms_keep_the_rank_as_a_rank(kettle, amazon):
    rows = [
        term("electric kettle", 1520, click_share=Decimal("0.1834"), conversion_share=Decimal("0.2210"),
             department="Kitchen", report_date=WEEK),
        term("tea kettle", 48211, asin=KETTLE_ASIN.lower(), report_date=WEEK),
        term("gooseneck kettle", 9001, asin="B0SOMEONE1", report_date=WEEK),
    ]  # fmt: skip
    result = services.keywords_import_search_terms(amazon, rows)
    assert (result.rows, result.created, result.updated, result.unmatched, result.errors) == (3, 2, 0, 1, [])
    electric = Keyword.objects.get(keyword_normalized="electric kettle")
    assert electric.search_frequency_rank == 1520
    assert electric.search_volume is None  # a rank is never turned into a volume
    assert (electric.click_share, electric.conversion_share) == (Decimal("0.1834"), Decimal("0.2210"))
    assert electric.conversion_rate is None  # a share of the term's conversions is not our conversion rate
    assert (electric.source, electric.is_tracked, electric.report_date) == ("suggested", True, WEEK)


def test_a_term_we_track_is_updated_not_duplicated(kettle, amazon):
    mine = services.keyword_add(listing=kettle, keyword="Electric Kettle", is_primary=True)
    result = services.keywords_import_search_terms(
        amazon, [term("ELECTRIC kettle", 1500, report_date=WEEK), term("electric  kettle", 1400, report_date=WEEK)]
    )
    assert (result.created, result.updated) == (0, 1)
    mine.refresh_from_db()
    assert (mine.keyword, mine.source, mine.is_primary, mine.search_frequency_rank) == (
        "Electric Kettle", "manual", True, 1400
    )  # fmt: skip
    assert Keyword.objects.count() == 1


def test_case_duplicates_in_one_report_are_one_row(kettle, amazon):
    result = services.keywords_import_search_terms(amazon, [term("Tea Kettle", 10), term("tea KETTLE", 12)])
    assert result.created == 1
    assert Keyword.objects.get().search_frequency_rank == 12


def test_an_older_report_does_not_overwrite_a_newer_one(kettle, amazon):
    services.keywords_import_search_terms(amazon, [term("tea kettle", 100, report_date=NEXT_WEEK)])
    result = services.keywords_import_search_terms(amazon, [term("tea kettle", 900, report_date=WEEK)])
    assert (result.stale, result.updated) == (1, 0)
    assert Keyword.objects.get().search_frequency_rank == 100


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(term("!!!", 5), "at least one letter or digit", id="only_punctuation_case"),
        pytest.param(term("kettle", 0), "search_frequency_rank must be a whole number of at least 1", id="rank_0_case"),
        pytest.param(term("kettle", -3), "at least 1", id="negative_rank_case"),
        pytest.param(
            term("kettle", 5, click_share=Decimal("18.3")),
            "click_share must be a fraction",
            id="percent_not_fraction_case",
        ),  # fmt: skip
    ],
)
def test_bad_rows_are_refused_with_their_number(kettle, amazon, row, message):
    result = services.keywords_import_search_terms(amazon, [term("tea kettle", 7), row])
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Row 2 (")
    assert message in result.errors[0]
    assert list(Keyword.objects.values_list("keyword_normalized", flat=True)) == ["tea kettle"]


def test_reports_come_from_an_amazon_channel_only(kettle, make_channel):
    shop = make_channel("shopify")
    with pytest.raises(ValidationError) as refused:
        services.keywords_import_search_terms(shop, [term("kettle", 5)])
    assert "not an Amazon channel" in refused.value.message_dict["channel"][0]
    assert not Keyword.objects.exists()


def test_query_performance_gives_volume_trend_shares_and_conversion(kettle, amazon):
    first = services.keywords_import_query_performance(
        amazon,
        [query("electric kettle", 20000, impression_share=Decimal("0.05"), click_share=Decimal("0.08"),
               purchase_share=Decimal("0.10"), asin_click_count=400, asin_purchase_count=30, report_date=WEEK)],
    )  # fmt: skip
    assert first.created == 1
    row = Keyword.objects.get()
    assert (row.search_volume, row.search_volume_trend) == (20000, None)  # no earlier period: no trend
    assert (row.impression_share, row.click_share, row.conversion_share) == (
        Decimal("0.0500"), Decimal("0.0800"), Decimal("0.1000")
    )  # fmt: skip
    assert row.conversion_rate == Decimal("0.0750")  # 30 purchases / 400 clicks
    assert row.search_frequency_rank is None

    services.keywords_import_query_performance(amazon, [query("Electric Kettle", 25000, report_date=NEXT_WEEK)])
    row.refresh_from_db()
    assert (row.search_volume, row.search_volume_trend, row.report_date) == (25000, Decimal("25.00"), NEXT_WEEK)
    assert row.conversion_rate == Decimal("0.0750")  # no counts this time: the last known rate stays


def test_both_reports_fill_one_row_rank_and_volume_apart(kettle, amazon):
    services.keywords_import_search_terms(amazon, [term("tea kettle", 3210, report_date=WEEK)])
    services.keywords_import_query_performance(amazon, [query("tea kettle", 5400, report_date=WEEK)])
    row = Keyword.objects.get()
    assert (row.search_frequency_rank, row.search_volume) == (3210, 5400)


def test_query_performance_refuses_negative_counts(kettle, amazon):
    result = services.keywords_import_query_performance(amazon, [query("kettle", -1)])
    assert result.errors == ["Row 1 ('kettle'): search_query_volume must be a whole number of at least 0 (got -1)."]
    assert not Keyword.objects.exists()
