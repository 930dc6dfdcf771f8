"""Listing scores: compute them in chunks, store the time series and the latest per listing, and recompute after
content changes (debounced) and nightly (docs/analytics.md#listing-score)."""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from analytics.keyword_selectors import primary_keywords_bulk
from analytics.models import ListingScore, ListingScoreLatest
from analytics.scoring import ImageFacts, ScoreFacts, ScoreResult, keywords_from, listing_score, scoring_weights
from competitors.selectors import ListingCompetition, listings_competition
from listings.effective import effective_bullet_points, effective_price, effective_text, effective_title
from listings.models import Listing, ListingVersion
from listings.services import listings_readiness_refresh

logger = logging.getLogger(__name__)

SCORE_CHUNK = 1000
# Listing columns the rules never read: left out of the chunk query (less to transfer and decode).
UNREAD_LISTING_FIELDS = (
    "channel_payload",
    "drift",
    "pending",
    "discarded_change",
    "remote_issues",
    "marketplace_ids",
    "last_error_message",
    "status_reason",
)


def primary_keywords(listing: Listing, *, search_terms: str = "", tracked: Sequence[str] = ()) -> tuple[str, ...]:
    """The listing's primary keywords: its primary (else top tracked) keywords from the keyword table
    (`analytics.keyword_selectors.primary_keywords_bulk`, read per chunk); without any, the words of its search
    terms, then of the product's text attributes and its category name."""
    if tracked:
        return tuple(tracked)
    product = listing.product
    texts = [search_terms]
    texts += [str(v) for v in (product.attributes or {}).values() if isinstance(v, str)]
    if product.category is not None:
        texts.append(product.category.name)
    return keywords_from(texts)


def _image_facts(image: Any) -> ImageFacts:
    meta = image.metadata or {}
    white = meta.get("white_background")
    return ImageFacts(
        width=int(meta.get("width") or image.width or 0),
        height=int(meta.get("height") or image.height or 0),
        white_background=None if white is None else bool(white),
    )


def _rating(listing: Listing) -> tuple[Decimal | None, int | None]:
    """Our own rating where the marketplace reported it with the listing (remote snapshot)."""
    snapshot = listing.remote_snapshot or {}
    rating = snapshot.get("rating")
    reviews = snapshot.get("review_count")
    try:
        return (Decimal(str(rating)) if rating is not None else None), (int(reviews) if reviews is not None else None)
    except (ArithmeticError, ValueError):
        return None, None


def score_facts(
    listing: Listing, competition: ListingCompetition | None, tracked: Sequence[str] | None = None
) -> ScoreFacts:
    """The facts the rules read, from a listing loaded with `_chunk_queryset` (no query when `tracked`, the
    listing's keywords from `primary_keywords_bulk`, is given; one otherwise)."""
    if tracked is None:
        tracked = primary_keywords_bulk([listing.pk])[listing.pk]
    channel = listing.channel
    connector = channel.connector_class
    search_terms = effective_text(listing, "search_terms").value
    rating, reviews = _rating(listing)
    return ScoreFacts(
        marketplace=connector.code,
        marketplace_label=connector.label,
        title=effective_title(listing).value or "",
        title_max_length=channel.title_max_length,
        bullets=tuple(effective_bullet_points(listing).value),
        description=(listing.description if listing.description is not None else listing.product.description) or "",
        search_terms=search_terms,
        keywords=primary_keywords(listing, search_terms=search_terms, tracked=tracked),
        images=tuple(_image_facts(image) for image in listing.product.images.all()),
        min_images=channel.min_images,
        max_images=channel.max_images,
        main_image_min_px=channel.main_image_min_px,
        white_background_required=bool(channel.main_image_white_background),
        price=effective_price(listing).value,
        buy_box_price=competition.buy_box_price if competition else None,
        lowest_competitor_price=competition.lowest_landed_price if competition else None,
        rating=rating,
        review_count=reviews,
        readiness_issues=tuple(listing.readiness_issues or ()),
        readiness_checked=listing.readiness_checked_at is not None,
    )


def _chunk_queryset(ids: Sequence[int]) -> QuerySet[Listing]:
    newest_version = ListingVersion.objects.filter(listing=OuterRef("pk")).order_by("-version_number").values("pk")
    return (
        Listing.objects.filter(pk__in=ids)
        .select_related("product", "product__category", "variant", "channel")
        .prefetch_related("product__images")
        .defer(*UNREAD_LISTING_FIELDS)
        .annotate(scored_version_id=Subquery(newest_version[:1]))
        .order_by("pk")
    )


def _score_chunk(ids: Sequence[int], *, weights: dict[str, float], now: datetime) -> list[ListingScore]:
    """Score one chunk: a fixed number of queries whatever its size."""
    if not ids:
        return []
    if Listing.objects.filter(pk__in=ids, readiness_checked_at__isnull=True).exists():
        listings_readiness_refresh(listing_ids=ids, unchecked_only=True)
    listings = list(_chunk_queryset(ids))
    competition = listings_competition([listing.pk for listing in listings])
    keywords = primary_keywords_bulk([listing.pk for listing in listings])
    rows = []
    for listing in listings:
        facts = score_facts(listing, competition.get(listing.pk), keywords.get(listing.pk, []))
        result: ScoreResult = listing_score(facts, weights)
        rows.append(
            ListingScore(
                listing_id=listing.pk,
                time=now,
                score_breakdown=result.breakdown(),
                scoring_version=result.version,
                listing_version_id=listing.scored_version_id,  # type: ignore[attr-defined]
                **result.column_values(),
            )
        )
    ListingScore.objects.bulk_create(rows)
    ListingScoreLatest.objects.bulk_create(
        [
            ListingScoreLatest(listing_id=row.listing_id, score_id=row.pk, total_score=row.total_score, computed_at=now)
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["listing"],
        update_fields=["score", "total_score", "computed_at"],
    )
    return rows


def scores_recompute(listing_ids: Iterable[int] | None = None, *, chunk_size: int = SCORE_CHUNK) -> int:
    """Score the given listings (all when None) now, in chunks of `chunk_size`, each in its own transaction with
    a constant number of queries. Clears the stale mark of each listing marked before this run started. Returns
    how many were scored. Raises ScoringWeightsError when the `scoring.weights` setting is unusable."""
    weights = scoring_weights()
    started = timezone.now()
    if listing_ids is None:
        scope = Listing.objects.order_by("pk").values_list("pk", flat=True)
        ids_iter: Iterable[list[int]] = _keyset(scope, chunk_size)
    else:
        wanted = sorted(set(listing_ids))
        ids_iter = (wanted[i : i + chunk_size] for i in range(0, len(wanted), chunk_size))
    done = 0
    for ids in ids_iter:
        with transaction.atomic():
            rows = _score_chunk(ids, weights=weights, now=timezone.now())
            ListingScoreLatest.objects.filter(listing_id__in=ids, stale_since__lte=started).update(stale_since=None)
        done += len(rows)
    return done


def _keyset(scope: QuerySet[Any], size: int) -> Iterable[list[int]]:
    last = 0
    while True:
        ids = list(scope.filter(pk__gt=last)[:size])
        if not ids:
            return
        last = ids[-1]
        yield ids


def listing_score_latest(listing: Listing) -> ListingScore | None:
    return ListingScore.objects.filter(listing=listing).order_by("-time", "-pk").first()


def listing_score_get(listing: Listing) -> ListingScore:
    """The newest stored score of a listing, computed now when it has none (API and listing page)."""
    score = listing_score_latest(listing)
    if score is None:
        scores_recompute([listing.pk])
        score = listing_score_latest(listing)
    assert score is not None  # noqa: S101 - just written
    return score


# --- Recompute on change (debounced) and nightly ---


def scores_mark_stale(*, listing_ids: Iterable[int], **_: Any) -> None:
    """Handler of content, price and competitor events: mark the listings' scores stale (one upsert, no task per
    change). The sweep schedule recomputes every stale listing once per period, so a burst of edits is one pass."""
    ids = sorted(set(listing_ids))
    if not ids:
        return
    now = timezone.now()
    ListingScoreLatest.objects.bulk_create(
        [ListingScoreLatest(listing_id=pk, stale_since=now) for pk in ids],
        update_conflicts=True,
        unique_fields=["listing"],
        update_fields=["stale_since"],
    )


def scores_recompute_stale() -> int:
    """Recompute the listings marked stale before now (the sweep task); a mark made meanwhile waits for the
    next sweep."""
    started = timezone.now()
    ids = list(ListingScoreLatest.objects.filter(stale_since__lte=started).values_list("listing_id", flat=True))
    return scores_recompute(ids) if ids else 0


def scores_nightly() -> int:
    """Every listing, once a night (rules that read competitors and readiness change without content changes)."""
    return scores_recompute(None)
