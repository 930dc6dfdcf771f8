"""Writes for listings: create, override, bulk assign, sync bookkeeping; status moves live in listings/state.py.

Effective values (listings/effective.py), readiness (listings/readiness.py) and the state machine
(listings/state.py) are re-exported here, so callers import every listing service from one module.
"""

import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field, Q, QuerySet
from django.utils import timezone

from accounts.audit import audit_record_created_sql
from accounts.roles import channel_access_check
from catalog.choices import ProductStatus
from catalog.models import Category, Product, Variant
from catalog.selectors import category_full_names
from channels.models import Channel
from channels.selectors import ChannelCategoryRules, channel_category_rules
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.enqueue import enqueue
from common.errors import ApplicationError

from .effective import EffectiveValue, EffectiveValues, listing_effective_values
from .models import Listing
from .readiness import ReadinessIssue, listing_readiness
from .state import ALLOWED_TRANSITIONS, listing_transition
from .tasks import listings_readiness_check_new_task, listings_readiness_refresh_task

__all__ = [
    "ALLOWED_TRANSITIONS",
    "EffectiveValue",
    "EffectiveValues",
    "ReadinessIssue",
    "listing_create",
    "listing_effective_values",
    "listing_readiness",
    "listing_sync_state_set",
    "listing_transition",
    "listing_update",
    "listings_bulk_assign",
    "listings_readiness_refresh",
    "listings_readiness_refresh_enqueue",
]

OVERRIDE_FIELDS = {"title", "description", "price", "compare_at_price", "quantity"}
SYNC_FIELDS = {
    "external_id",
    "external_url",
    "channel_payload",
    "remote_snapshot",
    "last_pushed_at",
    "last_pushed_hash",
    "last_pulled_at",
    "last_error_code",
    "last_error_message",
    "drift",
}
# Products read and assigned per transaction. 1,000 products × 6 channels = 6,000 rows per commit, which keeps
# each transaction short (the SQLite writer lock) while the per-chunk queries stay few.
ASSIGN_CHUNK = 1000
# Listings whose readiness verdict is recomputed per chunk: one SELECT with its joins, two prefetches and one
# bulk UPDATE, whatever the chunk holds. Readiness costs ~0.1-0.2 ms of Python per listing, so a chunk is well
# under a second of write lock.
READINESS_CHUNK = 500
# New listings of one bulk-assign chunk checked in the request; above this (an API assignment of thousands of
# products) a background task per channel checks them, as the check costs ~0.2-0.5 ms per listing against
# ~0.06 ms for the assignment itself (benchmarks/bench_assign.py). A page of 100 products on 10 channels fits.
ASSIGN_SYNC_READINESS_MAX = 1000
READINESS_FIELDS = ["readiness_blocking", "readiness_issues", "readiness_checked_at"]


def _check_overrides(overrides: dict[str, Any]) -> None:
    unknown = sorted(set(overrides) - OVERRIDE_FIELDS)
    if unknown:
        raise ApplicationError(
            f"Unknown listing override(s): {', '.join(unknown)}; allowed: {', '.join(sorted(OVERRIDE_FIELDS))}."
        )


def _existing_listing(channel: Channel, product: Product, variant: Variant | None) -> Listing | None:
    listings = Listing.objects.filter(channel=channel, product=product)
    listings = listings.filter(variant=variant) if variant is not None else listings.filter(variant__isnull=True)
    return listings.only("pk").first()


@transaction.atomic
def listing_create(
    *, product: Product, channel: Channel, variant: Variant | None = None, user: User = None, **overrides: Any
) -> Listing:
    """Offer a product (or one of its variants) on a channel, as a draft with optional overrides."""
    channel_access_check(user, [channel])
    _check_overrides(overrides)
    if product.status == ProductStatus.ARCHIVED:
        raise ApplicationError(f"Product {product.sku} is archived; restore it before listing it.")
    if variant is not None and variant.product_id != product.pk:
        raise ApplicationError(f"Variant {variant.sku} does not belong to product {product.sku}.")
    existing = _existing_listing(channel, product, variant)
    if existing is not None:
        target = variant.sku if variant is not None else product.sku
        raise ApplicationError(
            f"{target} is already listed on {channel.name} (listing #{existing.pk}).",
            extra={"code": "duplicate", "listing_id": existing.pk},
        )
    listing = Listing(product=product, variant=variant, channel=channel, **overrides)
    listing.created_by = listing.updated_by = _actor(user)
    listing.full_clean()
    listing.save()
    listings_readiness_refresh(listing_ids=[listing.pk])
    listing.refresh_from_db(fields=READINESS_FIELDS)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, user: User = None, **overrides: Any) -> Listing:
    """Change overrides; None (or an empty title) clears an override so the product value is used again."""
    _check_overrides(overrides)
    for name, value in overrides.items():
        if name in ("title", "description") and isinstance(value, str) and not value.strip():
            value = None
        setattr(listing, name, value)
    listing.updated_by = _actor(user)
    listing.full_clean()
    listing.save()
    listings_readiness_refresh(listing_ids=[listing.pk])
    listing.refresh_from_db(fields=READINESS_FIELDS)
    return listing


@transaction.atomic
def listing_sync_state_set(*, listing: Listing, user: User = None, **fields: Any) -> Listing:
    """Record what the sync engine learned (external id, hashes, snapshots, errors, drift) without a status move."""
    unknown = sorted(set(fields) - SYNC_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown listing sync field(s): {', '.join(unknown)}.")
    for name, value in fields.items():
        setattr(listing, name, value)
    listing.updated_by = _actor(user)
    listing.full_clean()
    listing.save(update_fields=[*fields, "updated_by", "updated_at"])
    return listing


# --- Bulk assignment ---


def _channel_ids(channels: Iterable[Channel | int] | QuerySet[Channel]) -> list[int]:
    if isinstance(channels, QuerySet):
        return list(channels.values_list("pk", flat=True))
    wanted = sorted({c.pk if isinstance(c, Channel) else int(c) for c in channels})
    found = set(Channel.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ApplicationError(f"Unknown channel id(s): {', '.join(map(str, missing))}.")
    return wanted


def _product_chunks(
    products: QuerySet[Product] | Iterable[int | Product],
) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """Yield (number asked, [(pk, status)]) per chunk; keyset pagination, so memory stays one chunk."""
    if isinstance(products, QuerySet):
        base: QuerySet[Product] = products
        if products.query.is_sliced:  # a sliced queryset cannot be filtered further: use it as a subquery
            base = Product.objects.filter(pk__in=products.values_list("pk", flat=True))
        last = 0
        while True:
            rows = list(base.filter(pk__gt=last).order_by("pk").values_list("pk", "status")[:ASSIGN_CHUNK])
            if not rows:
                return
            last = rows[-1][0]
            yield len(rows), rows
    else:
        ids = sorted({p.pk if isinstance(p, Product) else int(p) for p in products})
        for start in range(0, len(ids), ASSIGN_CHUNK):
            chunk = ids[start : start + ASSIGN_CHUNK]
            yield len(chunk), list(Product.objects.filter(pk__in=chunk).values_list("pk", "status"))


def _insert_missing_sql(product_ids: list[int], channel_ids: list[int], actor: Any) -> tuple[str, list[Any]]:
    """One INSERT ... SELECT that creates every missing (product, channel) draft listing of a chunk.

    Column values come from the model itself (defaults, auto_now, the actor) through each field's
    `get_db_prep_save`, so a field added to Listing later is filled like bulk_create would. Done in SQL because
    bulk_create spends ~0.7 ms of Python per row here (25 columns; SQLite's 999-parameter cap means 39 rows per
    INSERT): 60,000 rows took ~45 s that way against ~1 s in the database.
    """

    def qn(name: str | None) -> str:
        return str(connection.ops.quote_name(name or ""))

    template = Listing(created_by=actor, updated_by=actor)
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for field in Listing._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(qn(field.column))
        if field.name == "product":
            values.append(f"p.{qn(Product._meta.pk.column)}")
        elif field.name == "channel":
            values.append(f"c.{qn(Channel._meta.pk.column)}")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(template, True), connection))
    sql = (
        f"INSERT INTO {qn(Listing._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {qn(Product._meta.db_table)} p CROSS JOIN {qn(Channel._meta.db_table)} c "
        f"WHERE p.{qn(Product._meta.pk.column)} IN ({', '.join(['%s'] * len(product_ids))}) "
        f"AND c.{qn(Channel._meta.pk.column)} IN ({', '.join(['%s'] * len(channel_ids))}) "
        # Existing listings hit the partial unique index (channel, product) WHERE variant IS NULL and are skipped;
        # an index probe per row, where a NOT EXISTS anti-join was planned as a scan on stale PostgreSQL statistics.
        "ON CONFLICT DO NOTHING "
        # The new rows' ids come back for the audit trail (SQLite >= 3.35 and PostgreSQL both support this).
        f"RETURNING {qn(Listing._meta.pk.column)}"
    )
    return sql, [*params, *product_ids, *channel_ids]


def _assign_chunk(rows: list[tuple[int, str]], channel_ids: list[int], actor: Any) -> tuple[int, int, int]:
    """Create the missing product-level listings of one chunk; returns (created, existing, archived).

    The INSERT bypasses model signals, so the new listings' audit entries are written by one more INSERT ...
    SELECT (`audit_record_created_sql`): per chunk a fixed number of statements, never one per row.
    """
    archived = sum(1 for _, status in rows if status == ProductStatus.ARCHIVED) * len(channel_ids)
    product_ids = [pk for pk, status in rows if status != ProductStatus.ARCHIVED]
    if not product_ids:
        return 0, 0, archived
    sql, params = _insert_missing_sql(product_ids, channel_ids, actor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created_ids = [row[0] for row in cursor.fetchall()]
    qn = connection.ops.quote_name
    audit_record_created_sql(
        Listing,
        created_ids,
        ["product", "channel", "status"],
        repr_sql=f"p.{qn('sku')} || ' on ' || c.{qn('name')}",
        joins=(
            f"JOIN {qn(Product._meta.db_table)} p ON p.{qn('id')} = t.{qn('product_id')} "
            f"JOIN {qn(Channel._meta.db_table)} c ON c.{qn('id')} = t.{qn('channel_id')}"
        ),
    )
    return len(created_ids), len(product_ids) * len(channel_ids) - len(created_ids), archived


def listings_bulk_assign(
    *,
    products: QuerySet[Product] | Iterable[int | Product],
    channels: QuerySet[Channel] | Iterable[Channel | int],
    user: User = None,
) -> dict[str, int]:
    """Create a draft listing for every product × channel pair that has none; skip existing and archived ones.

    The new listings' readiness verdicts are computed in the same call for up to ASSIGN_SYNC_READINESS_MAX per
    chunk, by a queued task per channel above that.

    `products` is a selection (ids or instances) or a filter (a queryset). Work is done in chunks of
    ASSIGN_CHUNK products, each in its own transaction: a failure keeps earlier chunks, and running the same
    assignment again only fills the gaps.
    """
    channel_ids = _channel_ids(channels)
    if not channel_ids:
        raise ApplicationError("Choose at least one channel to assign the products to.")
    channel_access_check(user, channel_ids)
    actor = _actor(user)
    counts = {"products": 0, "channels": len(channel_ids), "created": 0, "skipped_existing": 0}
    counts |= {"skipped_archived": 0, "skipped_missing": 0}
    queue_checks = False
    for asked, rows in _product_chunks(products):
        with transaction.atomic():
            created, existing, archived = _assign_chunk(rows, channel_ids, actor)
            if 0 < created <= ASSIGN_SYNC_READINESS_MAX:  # a page's worth: check the new rows while at hand
                listings_readiness_refresh(
                    product_ids=[pk for pk, _ in rows], channel_ids=channel_ids, unchecked_only=True
                )
            elif created:
                queue_checks = True
        counts["products"] += len(rows)
        counts["created"] += created
        counts["skipped_existing"] += existing
        counts["skipped_archived"] += archived
        counts["skipped_missing"] += asked - len(rows)
    counts["skipped"] = counts["skipped_existing"] + counts["skipped_archived"]
    if queue_checks:
        _readiness_check_new_enqueue(channel_ids)
    return counts


def _readiness_check_new_enqueue(channel_ids: list[int]) -> None:
    for channel_id in channel_ids:
        enqueue(
            listings_readiness_check_new_task, channel_id, group="readiness", task_name=f"readiness-new-{channel_id}"
        )


# --- Stored readiness verdict ---


def _readiness_scope(
    *,
    listing_ids: Iterable[int] | None,
    product_ids: Iterable[int] | None,
    channel_ids: Iterable[int] | None,
    category_path: str | None,
    checked_before: datetime | None,
    unchecked_only: bool,
) -> QuerySet[Listing]:
    listings = Listing.objects.all()
    if listing_ids is not None:
        listings = listings.filter(pk__in=list(listing_ids))
    if product_ids is not None:
        listings = listings.filter(product_id__in=list(product_ids))
    if channel_ids is not None:
        listings = listings.filter(channel_id__in=list(channel_ids))
    if category_path is not None:
        listings = listings.filter(product__category__path__startswith=category_path)
    if unchecked_only:
        listings = listings.filter(readiness_checked_at__isnull=True)
    elif checked_before is not None:
        listings = listings.filter(Q(readiness_checked_at__isnull=True) | Q(readiness_checked_at__lt=checked_before))
    return listings


class _CategoryNames(Mapping[int, str]):
    """Category full names, read (one query) only when a message first needs one: most refreshes need none."""

    @functools.cached_property
    def _names(self) -> dict[int, str]:
        return category_full_names()

    def __getitem__(self, key: int) -> str:
        return self._names[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _attach_products(listings: list[Listing]) -> None:
    """Load the chunk's products once each (with category, images, variants: 3 queries) and hang them on the
    listings: a product on six channels is read and prefetched once, not six times."""
    products = Product.objects.select_related("category").prefetch_related("images", "variants")
    by_id = {p.pk: p for p in products.filter(pk__in={listing.product_id for listing in listings})}
    for listing in listings:
        listing.product = by_id[listing.product_id]


def _verdicts_save(listings: list[Listing]) -> None:
    """Write the chunk's verdicts with one prepared UPDATE (executemany).

    bulk_update compiles a CASE WHEN per column and row through the ORM: it was 2/3 of a refresh's time on SQLite
    (12,000 listings: 11 s of 17 s).
    """
    fields = [cast(Field, Listing._meta.get_field(name)) for name in READINESS_FIELDS]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {quote(Listing._meta.db_table)} SET {sets} WHERE {quote(str(Listing._meta.pk.column))} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(getattr(listing, field.attname), connection) for field in fields] + [listing.pk]
        for listing in listings
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def listings_readiness_refresh(
    *,
    listing_ids: Iterable[int] | None = None,
    product_ids: Iterable[int] | None = None,
    channel_ids: Iterable[int] | None = None,
    category_path: str | None = None,
    checked_before: datetime | None = None,
    unchecked_only: bool = False,
) -> int:
    """Recompute and store the readiness verdict of the matching listings (all of them when no filter is given).

    Called by every service that changes a readiness input (product, variant, image, listing, channel rules and
    mappings, imports, bulk assignment), so that lists can filter on `readiness_blocking` in SQL. Works in keyset
    chunks of READINESS_CHUNK with a constant number of queries per chunk; a channel's allowed categories and
    mappings are loaded once per call. `category_path` keeps the products of one category subtree;
    `checked_before` skips listings checked since (a queued refresh that a later one already did); `unchecked_only`
    checks only listings without a verdict. Returns how many were checked.
    """
    if listing_ids is not None:
        listing_ids = list(listing_ids)
        if not listing_ids:
            return 0
    scope = _readiness_scope(
        listing_ids=listing_ids,
        product_ids=product_ids,
        channel_ids=channel_ids,
        category_path=category_path,
        checked_before=checked_before,
        unchecked_only=unchecked_only,
    )
    rules: dict[int, ChannelCategoryRules] = {}
    names = _CategoryNames()
    checked, last = 0, 0
    while True:
        chunk = list(scope.filter(pk__gt=last).order_by("pk").select_related("variant", "channel")[:READINESS_CHUNK])
        if not chunk:
            return checked
        last = chunk[-1].pk
        _attach_products(chunk)
        now = timezone.now()
        for listing in chunk:
            if listing.channel_id not in rules:
                rules[listing.channel_id] = channel_category_rules(listing.channel)
            issues = listing_readiness(listing, category_rules=rules[listing.channel_id], category_names=names)
            listing.readiness_blocking = sum(1 for issue in issues if issue.is_blocking)
            listing.readiness_issues = [issue.as_dict() for issue in issues]
            listing.readiness_checked_at = now
        _verdicts_save(chunk)
        checked += len(chunk)


def listings_readiness_refresh_enqueue(*, channel: Channel | None = None, category: Category | None = None) -> None:
    """Queue a background refresh of the verdicts of the listings of `channel` (every channel when None), only of
    products in `category` and below when one is given (a category mapping reaches its subtree).

    For changes that touch many listings at once (channel rules, category mappings, category moves). No task when
    no listing is concerned; the task skips listings checked after this request, so a burst of edits is one pass.
    """
    listings = Listing.objects.filter(channel=channel) if channel is not None else Listing.objects.all()
    if category is not None:
        listings = listings.filter(product__category__path__startswith=category.path)
    if not listings.exists():  # e.g. mapping a category no listed product is in yet
        return
    channel_id = channel.pk if channel is not None else None
    enqueue(
        listings_readiness_refresh_task,
        channel_id,
        timezone.now().isoformat(),
        category.pk if category is not None else None,
        group="readiness",
        task_name=f"readiness-refresh-{channel_id or 'all'}",
    )
