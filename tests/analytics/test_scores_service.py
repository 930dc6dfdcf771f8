"""Storing and recomputing listing scores (analytics/services/scores.py, docs/analytics.md#listing-score)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import SCORE_FIELDS, ListingScore, ListingScoreLatest
from analytics.schedules import schedule_specs
from analytics.scoring import SCORING_VERSION, ScoringWeightsError, listing_score, scoring_weights
from analytics.services.scores import (
    _chunk_queryset,
    listing_score_get,
    primary_keywords,
    score_facts,
    scores_nightly,
    scores_recompute,
    scores_recompute_stale,
)
from listings.models import Listing, ListingVersion
from listings.services import listing_update

pytestmark = pytest.mark.django_db


def test_recompute_writes_a_time_series_and_keeps_the_latest(make_listing):
    listing = make_listing()
    assert scores_recompute([listing.pk]) == 1
    first = ListingScore.objects.get(listing=listing)
    assert first.scoring_version == SCORING_VERSION
    assert 0 <= first.total_score <= 100
    assert first.compliance_score == Decimal("100.00")  # a ready listing without warnings
    assert set(first.score_breakdown) >= {"seo", "content", "images", "competitive", "compliance", "gate"}
    latest = ListingScoreLatest.objects.get(listing=listing)
    assert latest.score_id == first.pk
    assert latest.total_score == first.total_score

    listing_update(listing=listing, description="A much longer description. " * 20)
    scores_recompute([listing.pk])
    assert ListingScore.objects.filter(listing=listing).count() == 2
    newest = ListingScore.objects.filter(listing=listing).order_by("-time").first()
    latest.refresh_from_db()
    assert latest.score_id == newest.pk
    assert newest.content_score > first.content_score


def test_a_score_points_at_the_content_version_it_scored(make_listing):
    listing = make_listing()
    listing_update(listing=listing, title="A new title for this channel only, long enough")
    scores_recompute([listing.pk])
    newest_version = ListingVersion.objects.filter(listing=listing).order_by("-version_number").first()
    assert newest_version is not None
    assert ListingScore.objects.get(listing=listing).listing_version_id == newest_version.pk


def test_blocked_listing_scores_compliance_zero_behind_the_gate(make_listing):
    listing = make_listing(map_category=False)  # category not mapped: blocking readiness issue
    score = listing_score_get(listing)
    assert score.compliance_score == Decimal("0.00")
    assert score.total_score <= Decimal("40")
    assert score.score_breakdown["gate"]["blocked"] is True
    rules = [h["rule"] for h in score.score_breakdown["compliance"]["hits"]]
    assert "readiness:category_not_mapped" in rules


def test_score_get_computes_once_then_reads(make_listing):
    listing = make_listing()
    first = listing_score_get(listing)
    assert listing_score_get(listing).pk == first.pk
    assert ListingScore.objects.count() == 1


def _queries(ids, chunk_size):
    with CaptureQueriesContext(connection) as captured:
        scores_recompute(ids, chunk_size=chunk_size)
    return len(captured)


def test_queries_per_chunk_are_constant(make_listing, make_channel):
    channel = make_channel("shopify")
    listings = [make_listing(channel=channel) for _ in range(6)]
    ids = [listing.pk for listing in listings]
    scores_recompute(ids)  # warm: content types, channel category rules
    two = _queries(ids[:2], chunk_size=100)
    six = _queries(ids, chunk_size=100)
    assert two == six, "one chunk of 6 listings must take as many queries as one of 2"
    three_chunks = _queries(ids, chunk_size=2)
    assert three_chunks == 3 * six  # each chunk repeats the same queries; nothing per listing


def test_unchecked_readiness_is_checked_before_scoring(make_listing):
    listing = make_listing()
    listing.__class__.objects.filter(pk=listing.pk).update(readiness_checked_at=None, readiness_blocking=None)
    score = listing_score_get(listing)
    assert score.compliance_score is not None
    listing.refresh_from_db()
    assert listing.readiness_checked_at is not None


def test_weights_not_summing_to_one_refuse_the_recompute(make_listing, raw_runtime_setting):
    listing = make_listing()
    weights = {"seo": 0.5, "content": 0.25, "images": 0.2, "competitive": 0.15, "compliance": 0.15}
    raw_runtime_setting("scoring.weights", weights)
    with pytest.raises(ScoringWeightsError, match="Setting 'scoring.weights': the weights sum to 1.25"):
        scores_recompute([listing.pk])
    assert not ListingScore.objects.exists()


def test_content_change_marks_the_score_stale_and_the_sweep_recomputes_it(make_listing):
    listing = make_listing()
    scores_recompute([listing.pk])
    latest = ListingScoreLatest.objects.get(listing=listing)
    assert latest.stale_since is None

    listing_update(listing=listing, description="Changed. " * 40)
    latest.refresh_from_db()
    assert latest.stale_since is not None

    assert scores_recompute_stale() == 1
    latest.refresh_from_db()
    assert latest.stale_since is None
    assert ListingScore.objects.filter(listing=listing).count() == 2
    assert scores_recompute_stale() == 0  # nothing stale any more


def test_a_new_listing_is_marked_stale_until_scored(make_listing):
    listing = make_listing()
    assert ListingScoreLatest.objects.get(listing=listing).stale_since is not None
    assert ListingScoreLatest.objects.get(listing=listing).total_score is None


def test_nightly_scores_every_listing_and_the_schedules_are_declared(make_listing):
    make_listing()
    make_listing()
    assert scores_nightly() == 2
    specs = {spec.name: spec.func for spec in schedule_specs()}
    assert specs["analytics.scores_nightly"] == "analytics.tasks.scores_nightly_task"
    assert specs["analytics.scores_stale_sweep"] == "analytics.tasks.scores_recompute_stale_task"


def test_primary_keywords_come_from_search_terms_attributes_and_category(make_listing, make_listable_product):
    product = make_listable_product(attributes={"material": "Stoneware", "size": 12})
    listing = make_listing(product=product, search_terms="coffee mug")
    keywords = primary_keywords(listing, search_terms="coffee mug")
    assert keywords[:3] == ("coffee", "mug", "stoneware")
    assert "listable" in keywords  # from the category name "Listable category N"


SCORE_VALUES = (*SCORE_FIELDS, "score_breakdown", "scoring_version", "listing_version_id")
# A readiness warning is copied into the compliance hit: characters COPY's text format must escape, quotes and
# characters outside ASCII reach the stored breakdown through it.
AWKWARD_MESSAGE = 'Tab\there, a new\nline, a return\r, back\\slash, "quoted", café ≥ 1000 px \\N'


def test_a_chunked_recompute_writes_the_rows_the_orm_writes(make_listing, make_channel):
    """The chunk writer (one COPY on PostgreSQL, one INSERT … SELECT on SQLite, the latest rows read back in SQL)
    stores exactly what saving the same scores through the ORM stores (docs/analytics.md#when-scores-are-computed)."""
    channel = make_channel("shopify")
    listings = [make_listing(channel=channel) for _ in range(3)]
    listing_update(listing=listings[0], title="A new title for this channel only, long enough")
    warning = {"severity": "warning", "code": "odd", "message": AWKWARD_MESSAGE, "field": "title"}
    Listing.objects.filter(pk=listings[1].pk).update(readiness_issues=[warning], readiness_checked_at=timezone.now())
    ids = [listing.pk for listing in listings]

    assert scores_recompute(ids, chunk_size=2) == 3  # two chunks
    written = {row.listing_id: row for row in ListingScore.objects.filter(listing_id__in=ids)}
    assert len(written) == 3

    weights = scoring_weights()
    at = timezone.now() + timedelta(days=1)
    by_orm = []
    for listing in _chunk_queryset(ids):
        result = listing_score(score_facts(listing, None), weights)
        by_orm.append(
            ListingScore(
                listing_id=listing.pk,
                time=at,
                score_breakdown=result.breakdown(),
                scoring_version=result.version,
                listing_version_id=listing.scored_version_id,
                **result.column_values(),
            )
        )
    ListingScore.objects.bulk_create(by_orm)
    expected = {row.listing_id: row for row in ListingScore.objects.filter(listing_id__in=ids, time=at)}
    for pk in ids:
        assert {name: getattr(written[pk], name) for name in SCORE_VALUES} == {
            name: getattr(expected[pk], name) for name in SCORE_VALUES
        }
    assert written[listings[0].pk].listing_version_id is not None
    hit = written[listings[1].pk].score_breakdown["compliance"]["hits"][0]
    assert hit["fix"] == AWKWARD_MESSAGE
    assert written[listings[1].pk].compliance_score == Decimal("90.00")

    for latest in ListingScoreLatest.objects.filter(listing_id__in=ids):
        row = written[latest.listing_id]
        assert (latest.score_id, latest.total_score, latest.computed_at, latest.stale_since) == (
            row.pk,
            row.total_score,
            row.time,
            None,
        )


def test_a_chunk_takes_at_most_nine_queries(make_listing, make_channel, django_assert_max_num_queries):
    """Inside the test's transaction the chunk's own is a savepoint and its release (2); then read the chunk (5:
    readiness check, listings, competition, keywords, images), write the time series (1) and the latest rows
    with their stale marks (1). The weights were cached by the first run. No query fetches the new rows' ids and
    none clears the stale marks apart (11 before, docs/analytics.md#when-scores-are-computed)."""
    channel = make_channel("shopify")
    ids = [make_listing(channel=channel).pk for _ in range(4)]
    scores_recompute(ids)  # warm: content types, channel category rules
    with django_assert_max_num_queries(9):
        assert scores_recompute(ids, chunk_size=10) == 4
    assert ListingScoreLatest.objects.filter(listing_id__in=ids, stale_since__isnull=True).count() == 4
