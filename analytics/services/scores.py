"""Listing scores: compute them in chunks, store the time series and the latest per listing, and recompute after
content changes (debounced) and nightly (docs/analytics.md#listing-score)."""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from psycopg.types.json import Jsonb

from analytics.keyword_selectors import primary_keywords_bulk
from analytics.models import ListingScore, ListingScoreLatest
from analytics.scoring import (
    SCORE_COLUMNS,
    ImageFacts,
    ScoreFacts,
    ScoreResult,
    keywords_from,
    listing_score,
    scoring_weights,
)
from catalog.importing.sql import executemany_insert
from catalog.models import ProductImage
from common.copy import copy_rows
from common.sql import pk_ranges_sql
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


def _image_facts(width: int | None, height: int | None, metadata: dict[str, Any] | None) -> ImageFacts:
    meta = metadata or {}
    white = meta.get("white_background")
    return ImageFacts(
        width=int(meta.get("width") or width or 0),
        height=int(meta.get("height") or height or 0),
        white_background=None if white is None else bool(white),
    )


def images_by_product(product_ids: Iterable[int]) -> dict[int, tuple[ImageFacts, ...]]:
    """The image facts of these products in gallery order, in one query of plain rows (a prefetch built a
    queryset per listing: a quarter of a chunk's time, docs/benchmarks.md)."""
    found: dict[int, list[ImageFacts]] = {}
    rows = (
        ProductImage.objects.filter(product_id__in=set(product_ids))
        .order_by("product_id", "-is_primary", "sort_order", "id")
        .values_list("product_id", "width", "height", "metadata")
    )
    for product_id, width, height, metadata in rows:
        found.setdefault(product_id, []).append(_image_facts(width, height, metadata))
    return {pk: tuple(images) for pk, images in found.items()}


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
    listing: Listing,
    competition: ListingCompetition | None,
    tracked: Sequence[str] | None = None,
    images: tuple[ImageFacts, ...] | None = None,
) -> ScoreFacts:
    """The facts the rules read, from a listing loaded with `_chunk_queryset` (no query when `tracked`, the
    listing's keywords from `primary_keywords_bulk`, and `images`, from `images_by_product`, are given)."""
    if tracked is None:
        tracked = primary_keywords_bulk([listing.pk])[listing.pk]
    if images is None:
        images = images_by_product([listing.product_id]).get(listing.product_id, ())
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
        images=images,
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
        .defer(*UNREAD_LISTING_FIELDS)
        .annotate(scored_version_id=Subquery(newest_version[:1]))
        .order_by("pk")
    )


def _score_chunk(ids: Sequence[int], *, weights: dict[str, float], now: datetime, started: datetime) -> int:
    """Score one chunk and store it: a fixed number of queries whatever its size. Returns how many were scored."""
    if not ids:
        return 0
    if Listing.objects.filter(pk__in=ids, readiness_checked_at__isnull=True).exists():
        listings_readiness_refresh(listing_ids=ids, unchecked_only=True)
    listings = list(_chunk_queryset(ids))
    competition = listings_competition([listing.pk for listing in listings])
    keywords = primary_keywords_bulk([listing.pk for listing in listings])
    images = images_by_product(listing.product_id for listing in listings)
    rows: list[dict[str, Any]] = []
    for listing in listings:
        facts = score_facts(
            listing, competition.get(listing.pk), keywords.get(listing.pk, []), images.get(listing.product_id, ())
        )
        result: ScoreResult = listing_score(facts, weights)
        rows.append(
            {
                "time": now,
                **result.column_values(),
                "score_breakdown": result.breakdown(),
                "scoring_version": result.version,
                "listing_id": listing.pk,
                "listing_version_id": listing.scored_version_id,  # type: ignore[attr-defined]
            }
        )
    _scores_insert(rows)
    _latest_upsert([listing.pk for listing in listings], now, started)
    return len(rows)


# The ListingScore columns of the rows `_score_chunk` builds, in the order `_scores_insert` copies them
SCORE_VALUE_COLUMNS = ("total_score", *SCORE_COLUMNS.values())
SCORE_ROW_COLUMNS = (
    "time",
    *SCORE_VALUE_COLUMNS,
    "score_breakdown",
    "scoring_version",
    "listing_id",
    "listing_version_id",
)


def _scores_insert(rows: list[dict[str, Any]]) -> None:
    """Append the chunk's score rows to the time series in one statement, without reading their ids back (the
    latest rows take them in SQL, `_latest_upsert`). PostgreSQL: one COPY (`common.copy.copy_rows`, the breakdown
    dumped once as the JSONField's own preparation does); SQLite: one INSERT … SELECT FROM json_each
    (`executemany_insert`)."""
    if connection.vendor != "postgresql":
        executemany_insert(ListingScore, rows, want_ids=False)
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(ListingScore._meta.db_table)} ({', '.join(map(quote, SCORE_ROW_COLUMNS))}) FROM STDIN"
    copy_rows(
        sql,
        (
            [Jsonb(row[column]) if column == "score_breakdown" else row[column] for column in SCORE_ROW_COLUMNS]
            for row in rows
        ),
    )


def _latest_upsert(listing_ids: list[int], now: datetime, started: datetime) -> None:
    """Point each scored listing's latest row at the score row just written (read back in SQL by listing and
    time: one INSERT … SELECT … ON CONFLICT DO UPDATE for the chunk, SQLite and PostgreSQL alike, no values sent
    per row), and clear the stale mark of each listing marked before this run `started`."""
    if not listing_ids:
        return
    quote = connection.ops.quote_name
    latest, scores = quote(ListingScoreLatest._meta.db_table), quote(ListingScore._meta.db_table)
    chosen, id_params = pk_ranges_sql("s.listing_id", listing_ids)
    sql = (
        f"INSERT INTO {latest} (listing_id, score_id, total_score, computed_at, stale_since) "  # noqa: S608
        f"SELECT s.listing_id, s.id, s.total_score, s.time, NULL FROM {scores} s WHERE s.time = %s AND {chosen} "
        "ON CONFLICT (listing_id) DO UPDATE SET score_id = excluded.score_id, total_score = excluded.total_score, "
        f"computed_at = excluded.computed_at, stale_since = CASE WHEN {latest}.stale_since <= %s THEN NULL "
        f"ELSE {latest}.stale_since END"
    )
    field = ListingScore._meta.get_field("time")
    at, before = (field.get_db_prep_save(value, connection) for value in (now, started))
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, *id_params, before])


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
            done += _score_chunk(ids, weights=weights, now=timezone.now(), started=started)
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
