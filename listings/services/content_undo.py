"""The undo of a content changeset, chunk by chunk (docs/catalog.md#versions).

A bulk edit or an import commit can version 100,000 products; undoing them one `product_update` at a time cost
about fifteen queries a product. Here each chunk of UNDO_CHUNK items costs a fixed number of queries: the versions
and the rows read set-wise, the restored fields written by one `executemany` UPDATE, then the same follow-ups
`product_update` runs (readiness, push on change, prices, versions), each once for the chunk. Only what cannot be
done set-wise goes one row at a time: a product whose image order differs (the image service), a listing whose
own overrides the changeset changed (`listing_update`), and the rows of a chunk whose UPDATE the database refused
(a restored handle taken since), which then get the per-row path and its message.
"""

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from catalog.models import Category, Product
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError
from listings.models import Changeset, Listing, ListingVersion, ProductVersion
from listings.versions import IMAGES, LISTING_OVERRIDE_CONTENT_FIELDS, PRODUCT_SNAPSHOT_FIELDS

from .versions import UndoReport, _images_restore, _latest, content_versions_record, products_content_read

# Items per chunk: a fixed number of queries each, and a transaction short enough not to hold other writers long.
UNDO_CHUNK = 500


def changeset_content_undo(
    *, changeset: Changeset, products: Mapping[int, int], listings: Mapping[int, int], user: User, report: UndoReport
) -> None:
    """Put every listing, then every product, of the changeset back to its version before it ({id: first version
    number in the changeset}), one chunk at a time, publishing the progress on the changeset after each chunk."""
    done = 0
    for ids, undo in ((sorted(listings), _listings_chunk), (sorted(products), _products_chunk)):
        items = listings if undo is _listings_chunk else products
        for start in range(0, len(ids), UNDO_CHUNK):
            chunk = {pk: items[pk] for pk in ids[start : start + UNDO_CHUNK]}
            undo(changeset, chunk, user, report)
            done += len(chunk)
            Changeset.objects.filter(pk=changeset.pk).update(undo_done=done)


def _versions_before(model: type[Any], owner: str, items: Mapping[int, int]) -> dict[int, Any]:
    """{owner id: its version just before the changeset's first one}, one query for the chunk.

    Asked by owner and by the few version numbers of the chunk (a bulk change gives most items the same one) and
    matched in Python: an OR of 500 (id, number) pairs cost the ORM about 1 s a chunk to compile."""
    wanted = {(pk, n - 1) for pk, n in items.items()}
    numbers = {n for _, n in wanted}
    rows = model.objects.filter(**{f"{owner}__in": list(items)}, version_number__in=numbers)
    return {getattr(v, owner): v for v in rows if (getattr(v, owner), v.version_number) in wanted}


def _error_message(exc: ValidationError | ApplicationError) -> str:
    return exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)


# --- Products ---


def _products_chunk(changeset: Changeset, items: Mapping[int, int], user: User, report: UndoReport) -> None:
    latest = dict(_latest(ProductVersion, "product_id", items).values_list("product_id", "changeset_id"))
    before = _versions_before(ProductVersion, "product_id", items)
    now = products_content_read(items)
    skus = dict(Product.objects.filter(pk__in=list(items)).values_list("pk", "sku"))
    wanted = [before[pk].snapshot.get("category_id") for pk in items if pk in before]
    categories = set(Category.objects.filter(pk__in=[c for c in wanted if c is not None]).values_list("pk", flat=True))
    restore: dict[int, dict[str, Any]] = {}
    changed_since = []
    for product_id in items:
        if product_id not in now or product_id not in latest:
            report.skipped.append(f"product #{product_id} was deleted")
        elif latest[product_id] != changeset.pk:
            changed_since.append(product_id)
        elif product_id not in before:
            report.skipped.append(f"{skus[product_id]}: created by this changeset (nothing before it)")
        else:
            restore[product_id] = _restored_snapshot(before[product_id].snapshot, now[product_id], categories)
    if changed_since:
        _conflicts_name(changed_since, skus, report)
    if not restore:
        return
    try:
        with transaction.atomic():
            _products_write(restore, now, user)
    except (DatabaseError, ValidationError, ApplicationError):
        _products_one_by_one(restore, skus, user, report)  # names the rows the database refused
        return
    report.restored += len(restore)


def _conflicts_name(product_ids: list[int], skus: Mapping[int, str], report: UndoReport) -> None:
    """Name each product changed since the changeset with its newest version: number, kind, by whom."""
    newest = {v.product_id: v for v in _latest(ProductVersion, "product_id", product_ids).select_related("created_by")}
    for product_id in product_ids:
        version = newest[product_id]
        who = version.created_by.get_username() if version.created_by else version.source
        report.conflicts.append(
            f"{skus[product_id]}: changed since (version {version.version_number}, "
            f"{version.get_change_type_display()} by {who})"
        )


def _restored_snapshot(snapshot: Mapping[str, Any], now: Mapping[str, Any], categories: set[int]) -> dict[str, Any]:
    """The snapshot to put back, keeping the current category when the old one was deleted since (as a rollback
    with its invalid values skipped does)."""
    restored = dict(snapshot)
    if restored.get("category_id") is not None and restored["category_id"] not in categories:
        restored["category_id"] = now.get("category_id")
    return restored


def _products_write(restore: Mapping[int, dict[str, Any]], now: Mapping[int, dict[str, Any]], user: User) -> None:
    """Write the chunk's restored fields (one UPDATE per chunk), images one product at a time where their order
    differs, then what product_update runs after a save, once for the chunk."""
    from catalog.services.readiness import payload_parts, products_payload_changed, products_prices_changed

    from .verdicts import listings_readiness_refresh

    names = sorted(
        {n for pk, snap in restore.items() for n in PRODUCT_SNAPSHOT_FIELDS if n in snap and snap[n] != now[pk][n]}
    )
    images = [pk for pk, snap in restore.items() if IMAGES in snap and snap[IMAGES] != now[pk][IMAGES]]
    rows = {pk: {n: snap.get(n, now[pk][n]) for n in names} for pk, snap in restore.items()}
    _products_update(rows, names, user)
    if images:
        products = Product.objects.in_bulk(images)
        for pk in images:
            _images_restore(products[pk], restore[pk][IMAGES], user)
    touched = list(restore)
    listings_readiness_refresh(product_ids=touched)
    products_payload_changed(touched, payload_parts([*names, *([IMAGES] if images else [])]))
    products_prices_changed(touched, names, source="rollback", user=user)
    content_versions_record(product_ids=touched, user=user, flush=True)


def _products_update(rows: Mapping[int, Mapping[str, Any]], names: list[str], user: User) -> None:
    """UPDATE the products' `names` to the values in `rows`, bumping their version as product_update does: one
    prepared statement run by `executemany` (no per-row ORM save)."""
    quote = connection.ops.quote_name
    fields = [cast(models.Field, Product._meta.get_field(n)) for n in names]
    updated_at = Product._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    actor = _actor(user)
    sets = [f"{quote(str(f.column))} = %s" for f in fields]
    sets += [f"{quote('version')} = {quote('version')} + 1", f"{quote('updated_at')} = %s", "updated_by_id = %s"]
    sql = f"UPDATE {quote(Product._meta.db_table)} SET {', '.join(sets)} WHERE id = %s"  # noqa: S608
    prepare: list[tuple[str, Callable[[Any], Any]]] = [(f.attname, _preparer(f)) for f in fields]
    params = [
        [p(row[n]) for n, p in prepare] + [updated_at, getattr(actor, "pk", None), pk] for pk, row in rows.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(field.to_python(value) if value is not None else None, connection)

    return prepare


def _products_one_by_one(
    restore: Mapping[int, dict[str, Any]], skus: Mapping[int, str], user: User, report: UndoReport
) -> None:
    """The per-row path for a chunk the set-wise write refused: each product through product_update, whose
    validation names what stands in the way."""
    from catalog.services import product_update

    products = Product.objects.in_bulk(list(restore))
    now = products_content_read(restore)
    for pk, snapshot in restore.items():
        fields = {n: snapshot[n] for n in PRODUCT_SNAPSHOT_FIELDS if n in snapshot and snapshot[n] != now[pk][n]}
        try:
            with transaction.atomic():
                product_update(product=products[pk], user=user, **fields)
                if IMAGES in snapshot and snapshot[IMAGES] != now[pk][IMAGES]:
                    _images_restore(products[pk], snapshot[IMAGES], user)
                content_versions_record(product_ids=[pk], user=user, flush=True)
        except (ValidationError, ApplicationError) as exc:
            report.conflicts.append(f"{skus[pk]}: {_error_message(exc)}")
        else:
            report.restored += 1


# --- Listings ---


def _listings_chunk(changeset: Changeset, items: Mapping[int, int], user: User, report: UndoReport) -> None:
    """Listings whose own overrides the changeset changed get their overrides back (product changes are undone
    on the product, which versions its listings again); the reads are set-wise, the writes one listing at a time
    as only a bulk edit of listing text changes overrides."""
    from listings.services.listing import listing_update

    latest = {v.listing_id: v for v in _latest(ListingVersion, "listing_id", items)}
    before = _versions_before(ListingVersion, "listing_id", items)
    changed = [pk for pk in items if pk in latest and pk in before and before[pk].overrides != latest[pk].overrides]
    listings = Listing.objects.in_bulk(changed)
    for listing_id in changed:
        listing, newest, prior = listings.get(listing_id), latest[listing_id], before[listing_id]
        if listing is None:
            continue
        if newest.changeset_id != changeset.pk:
            report.conflicts.append(f"listing #{listing_id}: changed since (version {newest.version_number})")
            continue
        overrides = {name: prior.overrides.get(name) for name in LISTING_OVERRIDE_CONTENT_FIELDS}
        try:
            with transaction.atomic():
                listing_update(listing=listing, user=user, **overrides)
                content_versions_record(listing_ids=[listing_id], user=user, flush=True)
        except (ValidationError, ApplicationError) as exc:
            report.conflicts.append(f"listing #{listing_id}: {_error_message(exc)}")
        else:
            report.restored += 1
