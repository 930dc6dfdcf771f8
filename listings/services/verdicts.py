"""The stored readiness verdict of listings (`readiness_blocking`, `readiness_issues`), kept fresh by every
service that changes a readiness input, so that lists filter on it in SQL."""

import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import cast

from django.db import connection
from django.db.models import Field, Q, QuerySet
from django.utils import timezone

from catalog.models import Category, Product
from catalog.selectors import category_full_names, metafield_required_keys
from channels.models import Channel
from channels.selectors import ChannelCategoryRules, channel_category_rules
from common.enqueue import enqueue
from listings.models import Listing
from listings.readiness import METAFIELD_MARKETPLACES, listing_readiness
from listings.tasks import listings_readiness_refresh_task

# Listings whose readiness verdict is recomputed per chunk: one SELECT with its joins, two prefetches and one
# bulk UPDATE, whatever the chunk holds. Readiness costs ~0.1-0.2 ms of Python per listing, so a chunk is well
# under a second of write lock.
READINESS_CHUNK = 500
READINESS_FIELDS = ["readiness_blocking", "readiness_issues", "readiness_checked_at"]


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
    required: tuple[str, ...] | None = None  # read once per call, when a listing needs them
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
            if required is None and listing.channel.connector_class.code in METAFIELD_MARKETPLACES:
                required = metafield_required_keys()
            issues = listing_readiness(
                listing, category_rules=rules[listing.channel_id], category_names=names, required_metafields=required
            )
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
