"""Storing and recomputing listing scores (analytics/services/scores.py, docs/analytics.md#listing-score)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import ListingScore, ListingScoreLatest
from analytics.schedules import schedule_specs
from analytics.scoring import SCORING_VERSION, ScoringWeightsError
from analytics.services.scores import (
    listing_score_get,
    primary_keywords,
    scores_nightly,
    scores_recompute,
    scores_recompute_stale,
)
from listings.models import ListingVersion
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
