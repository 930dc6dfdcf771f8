"""Baseline content versions (docs/catalog.md#baseline-versions): a first version for the products and listings
that existed before versions were kept, so their next change has something to compare with and to undo to.

Chunked by product id, each chunk in its own transaction with a fixed number of queries (whatever its size), and
idempotent: an object that has a version is never given another, and a second run writes nothing. The rows go in
with `INSERT … ON CONFLICT DO NOTHING` (SQLite and PostgreSQL), so an edit that versions an object while a chunk
runs wins and the baseline of that object is simply not written.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import Product
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from listings.choices import ChangeType
from listings.models import Listing, ListingVersion, ProductVersion
from listings.versions import LISTING_OVERRIDE_CONTENT_FIELDS

from .versions import _latest, _override_content, products_content_read

BASELINE_CHUNK = 1_000  # products per transaction; ~7 queries each, whatever the size
BASELINE_SOURCE = "baseline"


@dataclass
class BaselineResult:
    """How many baseline versions a run wrote, and over how many chunks of products."""

    products: int = 0
    listings: int = 0
    chunks: int = 0


def content_versions_baseline(
    *, user: User = None, product_ids: Collection[int] | None = None, chunk_size: int = BASELINE_CHUNK
) -> BaselineResult:
    """Record a `baseline` version of every product, and of every listing, that has none (or only of
    `product_ids` and their listings). Walks the products by id in chunks of `chunk_size`, one transaction each,
    so a large catalogue is never locked at once and a stopped run resumes where it stopped when run again."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1.")
    result = BaselineResult()
    after = 0
    while True:
        with transaction.atomic():
            rows = _chunk(after, chunk_size, product_ids)
            if not rows:
                return result
            after = rows[-1][0]
            meta = _meta(user)
            result.products += _products_record([pk for pk, has_version in rows if not has_version], meta)
            result.listings += _listings_record([pk for pk, _ in rows], meta)
            result.chunks += 1


def _chunk(after: int, size: int, product_ids: Collection[int] | None) -> list[tuple[int, bool]]:
    """(product id, has a version) of the next `size` products after id `after`: one query."""
    products = Product.objects.filter(pk__gt=after)
    if product_ids is not None:
        products = products.filter(pk__in=list(product_ids))
    versioned = Exists(ProductVersion.objects.filter(product_id=OuterRef("pk")))
    return list(products.annotate(has_version=versioned).order_by("pk").values_list("pk", "has_version")[:size])


def _meta(user: User) -> dict[str, Any]:
    return {
        "version_number": 1,
        "change_type": ChangeType.BASELINE,
        "source": BASELINE_SOURCE,
        "change_reason": "",
        "changed_fields": [],
        "changeset_id": None,
        "created_by": _actor(user),
        "created_at": timezone.now(),
    }


def _products_record(product_ids: list[int], meta: dict[str, Any]) -> int:
    """Version 1 of each product without a version: what it holds now (three queries)."""
    if not product_ids:
        return 0
    snapshots = products_content_read(product_ids)
    versions = [ProductVersion(product_id=pk, snapshot=snapshot, **meta) for pk, snapshot in snapshots.items()]
    return _insert_new(ProductVersion, versions)


def _listings_record(product_ids: list[int], meta: dict[str, Any]) -> int:
    """Version 1 of each listing of these products without a version: its overrides on the product's latest
    version, which is what it shows now (three queries when there is one)."""
    versioned = Exists(ListingVersion.objects.filter(listing_id=OuterRef("pk")))
    listings = list(
        Listing.objects.filter(product_id__in=product_ids)
        .annotate(has_version=versioned)
        .filter(has_version=False)
        .values("pk", "product_id", *LISTING_OVERRIDE_CONTENT_FIELDS)
    )
    if not listings:
        return 0
    latest = {v.product_id: v.pk for v in _latest(ProductVersion, "product_id", {r["product_id"] for r in listings})}
    versions = [
        ListingVersion(
            listing_id=row["pk"], product_version_id=latest[row["product_id"]], overrides=_override_content(row), **meta
        )
        for row in listings
        if row["product_id"] in latest
    ]
    return _insert_new(ListingVersion, versions)


def _insert_new(model: type[models.Model], rows: Sequence[models.Model]) -> int:
    """One `executemany` INSERT … ON CONFLICT DO NOTHING (no 999-variable batches on SQLite); the number of rows
    written (a row whose version 1 appeared meanwhile is skipped)."""
    if not rows:
        return 0
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING"
    )
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        written = cursor.rowcount
    return written if written is not None and written >= 0 else len(rows)
