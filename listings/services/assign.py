"""Bulk assignment: a draft listing for every product x channel pair that has none, in chunked SQL."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from accounts.audit import audit_record_created_sql
from accounts.roles import channel_access_check
from catalog.choices import ProductStatus
from catalog.models import Product
from channels.models import Channel
from common import events
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.choices import ChangesetKind
from listings.events import LISTINGS_CREATED
from listings.models import Changeset, Listing
from listings.tasks import listings_readiness_check_new_task

from .bulk_undo import changeset_listings_record
from .verdicts import listings_readiness_refresh
from .versions import changeset_open

# Products read and assigned per transaction. 1,000 products × 6 channels = 6,000 rows per commit, which keeps
# each transaction short (the SQLite writer lock) while the per-chunk queries stay few.
ASSIGN_CHUNK = 1000
# New listings of one bulk-assign chunk checked in the request; above this (an API assignment of thousands of
# products) a background task per channel checks them, as the check costs ~0.2-0.5 ms per listing against
# ~0.06 ms for the assignment itself (benchmarks/bench_assign.py). A page of 100 products on 10 channels fits.
ASSIGN_SYNC_READINESS_MAX = 1000


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


def _changeset_open(channel_ids: list[int], user: User) -> Changeset:
    """The assignment's `bulk_assign` changeset; its undo deletes the drafts it created
    (docs/catalog.md#undoing-publishes-and-assignments)."""
    names = ", ".join(Channel.objects.filter(pk__in=channel_ids).order_by("name").values_list("name", flat=True))
    return changeset_open(kind=ChangesetKind.BULK_ASSIGN, description=f"Assign to {names}", user=user)


def _assign_chunk(rows: list[tuple[int, str]], channel_ids: list[int], actor: Any) -> tuple[list[int], int, int]:
    """Create the missing product-level listings of one chunk; returns (created ids, existing, archived).

    The INSERT bypasses model signals, so the new listings' audit entries are written by one more INSERT ...
    SELECT (`audit_record_created_sql`): per chunk a fixed number of statements, never one per row. The new ids
    are published as LISTINGS_CREATED, so the price history records each one's first price point in bulk.
    """
    archived = sum(1 for _, status in rows if status == ProductStatus.ARCHIVED) * len(channel_ids)
    product_ids = [pk for pk, status in rows if status != ProductStatus.ARCHIVED]
    if not product_ids:
        return [], 0, archived
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
    if created_ids:
        events.publish(LISTINGS_CREATED, listing_ids=created_ids, source="", user=actor)
    return created_ids, len(product_ids) * len(channel_ids) - len(created_ids), archived


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
    changeset: Changeset | None = None
    for asked, rows in _product_chunks(products):
        with transaction.atomic():
            created_ids, existing, archived = _assign_chunk(rows, channel_ids, actor)
            created = len(created_ids)
            if created_ids:  # one changeset for the whole assignment, opened at its first new listing
                changeset = changeset or _changeset_open(channel_ids, user)
                changeset_listings_record(changeset=changeset, rows=[(pk, "") for pk in created_ids])
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
    counts["changeset"] = changeset.pk if changeset else 0
    if queue_checks:
        _readiness_check_new_enqueue(channel_ids)
    return counts


def _readiness_check_new_enqueue(channel_ids: list[int]) -> None:
    for channel_id in channel_ids:
        enqueue(
            listings_readiness_check_new_task, channel_id, group="readiness", task_name=f"readiness-new-{channel_id}"
        )
