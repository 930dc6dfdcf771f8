"""Content versions, rollback and changesets (docs/catalog.md#versions).

`content_versions_record` is the one writer of versions: every content writer (product and listing services, the
import commit, rollbacks and undos) calls it after its write, in its transaction. It compares what the objects
hold now with their latest version, set-wise (a fixed number of queries for any number of objects), and writes a
new numbered version of each that changed: one product version per product, and one small listing version per
listing whose effective content changed, pointing at that product version (so text shared by a product's
listings is stored once).
"""

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from catalog.models import Category, Product, ProductImage
from common import events
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError
from listings.choices import ChangesetKind, ChangesetStatus, ChangeType
from listings.events import LISTING_CONTENT_VERSIONED
from listings.models import Changeset, Listing, ListingVersion, ProductVersion
from listings.selectors import listing_version_content
from listings.versions import (
    IMAGES,
    LISTING_CONTENT_FIELDS,
    LISTING_OVERRIDE_CONTENT_FIELDS,
    PRODUCT_CONTENT_FIELDS,
    PRODUCT_SNAPSHOT_FIELDS,
    changed_fields,
    content_change,
    current_change,
    listing_effective_content,
)

logger = logging.getLogger(__name__)

# From this many new product versions on, they are written by one plain INSERT (executemany).
RAW_INSERT_MIN = 50
# Undo of a changeset with more items than this runs as a background job with progress.
UNDO_SYNC_MAX = 200


def _latest(model: type[ProductVersion] | type[ListingVersion], owner: str, ids: Collection[int]) -> QuerySet[Any]:
    newest = model.objects.filter(**{owner: OuterRef(owner)}).order_by("-version_number").values("version_number")
    return model.objects.filter(**{f"{owner}__in": list(ids)}, version_number=Subquery(newest[:1]))


def _json_ready(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, (str, int, float, bool, list, dict)) else value


def products_content_read(product_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """What each product holds now, as a snapshot (two queries)."""
    rows = Product.objects.filter(pk__in=list(product_ids)).values("pk", *PRODUCT_SNAPSHOT_FIELDS)
    snapshots = {row.pop("pk"): {k: _json_ready(v) for k, v in row.items()} for row in rows}
    for snapshot in snapshots.values():
        snapshot[IMAGES] = []
    images = ProductImage.objects.filter(product_id__in=list(snapshots)).order_by("product_id", "sort_order", "pk")
    for product_id, image_id in images.values_list("product_id", "pk"):
        snapshots[product_id][IMAGES].append(image_id)
    return snapshots


def _override_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in LISTING_OVERRIDE_CONTENT_FIELDS if row.get(name) is not None}


@dataclass
class Recorded:
    products: int = 0
    listings: int = 0


def content_versions_record(
    *,
    product_ids: Iterable[int] = (),
    listing_ids: Iterable[int] = (),
    user: User = None,
    change_type: str | None = None,
    source: str | None = None,
    reason: str | None = None,
    changeset: Changeset | None = None,
    flush: bool = False,
    new_product_ids: Collection[int] = (),
) -> Recorded:
    """Write a new version of each product (and of each of its listings) whose content changed since its latest.

    Listings of a changed product get a version only when what they show changed (an override may hide the
    change). `change_type`, `source`, `reason` and `changeset` default to the enclosing `content_change` block.
    `new_product_ids`: products just created (no version, no listing yet), which spares the import two queries
    per chunk. Runs in the caller's transaction (its bulk INSERTs are each atomic).
    """
    context = current_change()
    if context.hold and not flush:
        return Recorded()  # the enclosing rollback or undo records once, when it has written everything
    meta = {
        "change_type": change_type or context.change_type,
        "source": (source if source is not None else context.source)[:100],
        "change_reason": reason if reason is not None else context.reason,
        "changeset_id": changeset.pk if changeset is not None else context.changeset_id,
        "created_by": _actor(user),
        "created_at": timezone.now(),
    }
    listing_ids = set(listing_ids)
    product_ids = set(product_ids)
    if listing_ids:
        product_ids |= set(Listing.objects.filter(pk__in=listing_ids).values_list("product_id", flat=True))
    recorded = Recorded()
    if not product_ids:
        return recorded
    current = products_content_read(product_ids)
    new_product_ids = set(new_product_ids)
    known = [pk for pk in current if pk not in new_product_ids]
    latest = {v.product_id: v for v in _latest(ProductVersion, "product_id", known)} if known else {}
    new_versions = []
    for product_id, snapshot in current.items():
        previous = latest.get(product_id)
        if previous is not None and previous.snapshot == snapshot:
            continue
        new_versions.append(
            ProductVersion(
                product_id=product_id,
                version_number=(previous.version_number + 1) if previous else 1,
                snapshot=snapshot,
                changed_fields=changed_fields(
                    previous.snapshot if previous else None, snapshot, PRODUCT_CONTENT_FIELDS
                ),
                **meta,
            )
        )
    _versions_insert(new_versions)
    recorded.products = len(new_versions)
    changed_products = {v.product_id for v in new_versions}
    latest |= {v.product_id: v for v in new_versions}
    changed_products -= new_product_ids
    if not listing_ids and not changed_products:
        return recorded
    scope = Q(pk__in=listing_ids) | Q(product_id__in=changed_products)
    listings = list(Listing.objects.filter(scope).values("pk", "product_id", *LISTING_OVERRIDE_CONTENT_FIELDS))
    unsaved = {row["product_id"] for row in listings if latest[row["product_id"]].pk is None}
    if unsaved:  # written by the plain INSERT, which returns no ids: read back the ones listings point at
        latest |= {v.product_id: v for v in _latest(ProductVersion, "product_id", unsaved)}
    recorded.listings = _listings_record(listings, latest, meta)
    return recorded


def _versions_insert(versions: list[ProductVersion]) -> None:
    """Write new product versions: bulk_create for a few (ids set), one `executemany` INSERT for many (an import
    chunk: no per-object ORM work and no 999-variable batches on SQLite; ids are not read back)."""
    if len(versions) < RAW_INSERT_MIN:
        ProductVersion.objects.bulk_create(versions)
        return
    opts = ProductVersion._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    params = [[f.get_db_prep_save(getattr(v, f.attname), connection) for f in fields] for v in versions]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _listings_record(
    listings: list[dict[str, Any]], product_latest: Mapping[int, ProductVersion], meta: dict[str, Any]
) -> int:
    if not listings:
        return 0
    previous = {v.listing_id: v for v in _latest(ListingVersion, "listing_id", [row["pk"] for row in listings])}
    old_product_ids = {v.product_version_id for v in previous.values()} - {v.pk for v in product_latest.values()}
    old_products = {pv.pk: pv.snapshot for pv in ProductVersion.objects.filter(pk__in=old_product_ids)}
    old_products |= {v.pk: v.snapshot for v in product_latest.values()}
    new_versions = []
    for row in listings:
        product_version = product_latest.get(row["product_id"])
        if product_version is None:  # pragma: no cover - every product was read above
            continue
        overrides = _override_content(row)
        before = previous.get(row["pk"])
        if before is not None and before.product_version_id == product_version.pk and before.overrides == overrides:
            continue
        after_content = listing_effective_content(product_version.snapshot, overrides)
        before_content = (
            listing_effective_content(old_products[before.product_version_id], before.overrides) if before else None
        )
        changed = changed_fields(before_content, after_content, LISTING_CONTENT_FIELDS)
        if before is not None and not changed:
            continue
        new_versions.append(
            ListingVersion(
                listing_id=row["pk"],
                version_number=(before.version_number + 1) if before else 1,
                product_version=product_version,
                overrides=overrides,
                changed_fields=changed,
                **meta,
            )
        )
    ListingVersion.objects.bulk_create(new_versions)
    if new_versions:
        events.publish(LISTING_CONTENT_VERSIONED, listing_ids=[v.listing_id for v in new_versions])
    return len(new_versions)


# --- Rollback ---


@dataclass
class RollbackResult:
    """The new version a rollback wrote (None when nothing differed) and the fields it could not restore."""

    version: ProductVersion | ListingVersion | None
    skipped: dict[str, str] = field(default_factory=dict)


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you roll back: a reason is required."})
    return reason


def _version_get(model: type[Any], owner: str, owner_id: int, number: Any, label: str) -> Any:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise ApplicationError(f"'{number}' is not a version number.", extra={"code": "not_found"}) from None
    version = model.objects.filter(**{owner: owner_id}, version_number=number).first()
    if version is None:
        newest = model.objects.filter(**{owner: owner_id}).order_by("-version_number").first()
        latest = f"the latest is {newest.version_number}" if newest else "it has no versions yet"
        raise ApplicationError(f"{label} has no version {number} ({latest}).", extra={"code": "not_found"})
    return version


def _expected_check(model: type[Any], owner: str, owner_id: int, expected: int | None, label: str) -> None:
    """Optimistic lock: refuse when a version newer than the one the user saw exists."""
    if expected is None:
        return
    newest = _newest_number(model, owner, owner_id)
    if newest and newest != int(expected):
        raise ApplicationError(
            f"{label} changed while you were looking (now at version {newest}, you saw {expected}); "
            "reload the history and try again.",
            extra={"code": "version_conflict", "current_version": newest},
        )


def _rollback_target(model: type[Any], owner: Product | Listing, number: Any, expected: int | None, label: str) -> Any:
    """The version to restore, after locking its owner row (one rollback of an object at a time) and checking
    that no newer version appeared since the user looked (optimistic lock)."""
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()
    field = "product_id" if model is ProductVersion else "listing_id"
    target = _version_get(model, field, owner.pk, number, label)
    _expected_check(model, field, owner.pk, expected, label)
    return target


def _invalid_product_values(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """Values of a snapshot that cannot come back: a deleted category, removed images."""
    problems: dict[str, str] = {}
    category_id = snapshot.get("category_id")
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        problems["category_id"] = f"category #{category_id} was deleted"
    return problems


def _product_restore_fields(product: Product, snapshot: Mapping[str, Any], skip: Collection[str]) -> dict[str, Any]:
    now = products_content_read([product.pk])[product.pk]
    fields = {}
    for name in PRODUCT_SNAPSHOT_FIELDS:
        if name in skip or name not in snapshot or snapshot[name] == now.get(name):
            continue
        fields[name] = snapshot[name]
    return fields


def _images_restore(product: Product, image_ids: list[int], user: User) -> dict[str, str]:
    """Put the product's images back in the snapshot's order; images removed since are named, not restored."""
    from catalog.services import image_update

    existing = {img.pk: img for img in ProductImage.objects.filter(product=product)}
    missing = [pk for pk in image_ids if pk not in existing]
    for position, pk in enumerate(pk for pk in image_ids if pk in existing):
        if existing[pk].sort_order != position:
            image_update(image=existing[pk], sort_order=position, user=user)
    if missing:
        return {IMAGES: f"image(s) {', '.join(f'#{pk}' for pk in missing)} were removed"}
    return {}


@transaction.atomic
def product_version_rollback(
    *,
    product: Product,
    version_number: Any,
    reason: str,
    user: User = None,
    expected_version: int | None = None,
    skip_invalid: bool = False,
) -> RollbackResult:
    """Restore the product's content to version N through product_update: a new `rollback` version.

    Values that can no longer be restored (a deleted category, a removed image) refuse the rollback with the
    reason, or with `skip_invalid` the rest is applied and the result names what was skipped."""
    from catalog.services import product_update

    reason = _reason_required(reason)
    target = _rollback_target(ProductVersion, product, version_number, expected_version, f"Product {product.sku}")
    invalid = _invalid_product_values(target.snapshot)
    missing_images = [pk for pk in target.snapshot.get(IMAGES, []) if not ProductImage.objects.filter(pk=pk).exists()]
    if missing_images:
        invalid[IMAGES] = f"image(s) {', '.join(f'#{pk}' for pk in missing_images)} were removed"
    if invalid and not skip_invalid:
        raise ApplicationError(
            f"Version {target.version_number} cannot be restored as it is: {'; '.join(invalid.values())}. "
            "Roll back the rest and skip these, or pick another version.",
            extra={"code": "invalid_restore", "skipped": invalid},
        )
    before = _newest_number(ProductVersion, "product_id", product.pk)
    source = f"rollback to v{target.version_number}"
    with content_change(change_type=ChangeType.ROLLBACK, source=source, reason=reason, changeset_id=None, hold=True):
        fields = _product_restore_fields(product, target.snapshot, invalid)
        product_update(product=product, user=user, **fields)
        _images_restore(product, target.snapshot.get(IMAGES, []), user)
        content_versions_record(product_ids=[product.pk], user=user, flush=True)
    made = ProductVersion.objects.filter(product=product, version_number__gt=before).order_by("version_number")
    return RollbackResult(version=made.last(), skipped=invalid)


def _newest_number(model: type[Any], owner: str, owner_id: int) -> int:
    numbers = model.objects.filter(**{owner: owner_id}).order_by("-version_number")
    return numbers.values_list("version_number", flat=True).first() or 0


@transaction.atomic
def listing_version_rollback(
    *,
    listing: Listing,
    version_number: Any,
    reason: str,
    user: User = None,
    expected_version: int | None = None,
    skip_invalid: bool = False,
) -> RollbackResult:
    """Restore what the listing shows to version N, through its overrides (listing_update): a `rollback` version.

    Text that differs from the product's current text becomes an override; text equal to it is inherited again.
    Product-level values (handle, attributes, category, images, ...) belong to the product: when they differ,
    the rollback is refused with the reason, or with `skip_invalid` skipped and named."""
    from listings.services.listing import listing_update

    reason = _reason_required(reason)
    target = _rollback_target(ListingVersion, listing, version_number, expected_version, f"Listing #{listing.pk}")
    wanted = listing_version_content(target)
    product_now = listing_effective_content(products_content_read([listing.product_id])[listing.product_id], {})
    skipped = {
        name: "a product value: roll back the product to change it"
        for name in LISTING_CONTENT_FIELDS
        if name not in LISTING_OVERRIDE_CONTENT_FIELDS and wanted.get(name) != product_now.get(name)
    }
    if skipped and not skip_invalid:
        raise ApplicationError(
            f"Version {target.version_number} differs in product values this listing cannot restore "
            f"({', '.join(sorted(skipped))}); roll back the product, or restore the listing's text only.",
            extra={"code": "invalid_restore", "skipped": skipped},
        )
    overrides = {
        name: (None if wanted.get(name) == product_now.get(name) else wanted.get(name))
        for name in LISTING_OVERRIDE_CONTENT_FIELDS
    }
    before = _newest_number(ListingVersion, "listing_id", listing.pk)
    source = f"rollback to v{target.version_number}"
    with content_change(change_type=ChangeType.ROLLBACK, source=source, reason=reason, changeset_id=None, hold=True):
        listing_update(listing=listing, user=user, **overrides)
        content_versions_record(listing_ids=[listing.pk], user=user, flush=True)
    made = ListingVersion.objects.filter(listing=listing, version_number__gt=before).order_by("version_number")
    return RollbackResult(version=made.last(), skipped=skipped)


# --- Changesets ---


@transaction.atomic
def changeset_open(
    *, kind: str, description: str = "", user: User = None, import_batch_id: int | None = None
) -> Changeset:
    """Start a changeset; versions written inside `content_change(changeset_id=...)` belong to it."""
    changeset = Changeset(kind=kind, description=description[:500], import_batch_id=import_batch_id)
    changeset.created_by = changeset.updated_by = _actor(user)
    changeset.full_clean()
    changeset.save()
    return changeset


def changeset_items(changeset: Changeset) -> tuple[dict[int, int], dict[int, int]]:
    """{product id: first version number in the changeset}, and the same for listings."""
    products: dict[int, int] = {}
    for pid, n in ProductVersion.objects.filter(changeset=changeset).values_list("product_id", "version_number"):
        products[pid] = min(n, products.get(pid, n))
    listings: dict[int, int] = {}
    for lid, n in ListingVersion.objects.filter(changeset=changeset).values_list("listing_id", "version_number"):
        listings[lid] = min(n, listings.get(lid, n))
    return products, listings


@dataclass
class UndoReport:
    restored: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    queued: bool = False
    jobs: list[int] = field(default_factory=list)  # the delisting jobs of a bulk publish's undo

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"restored": self.restored, "conflicts": self.conflicts, "skipped": self.skipped}
        return data | ({"jobs": self.jobs} if self.jobs else {})


# Changesets whose undo acts on listings, not on content: each has its own confirmation step.
LISTING_UNDO_KINDS = frozenset({ChangesetKind.BULK_PUBLISH, ChangesetKind.BULK_ASSIGN})


def changeset_undo_lock(*, changeset: Changeset, run_now: bool = False) -> Changeset:
    """The changeset locked for its undo; refused when it was undone already or is being undone."""
    changeset = Changeset.objects.select_for_update().get(pk=changeset.pk)
    if changeset.status == ChangesetStatus.UNDONE:
        when = timezone.localtime(changeset.undone_at).strftime("%Y-%m-%d %H:%M") if changeset.undone_at else ""
        raise ApplicationError(
            f"Changeset #{changeset.pk} was already undone ({when}).", extra={"code": "already_undone"}
        )
    if changeset.status == ChangesetStatus.UNDOING and not run_now:
        raise ApplicationError(f"Changeset #{changeset.pk} is being undone already.", extra={"code": "undoing"})
    return changeset


def changeset_undo_finish(*, changeset: Changeset, user: User, report: UndoReport, total: int) -> None:
    """Mark a locked changeset undone, with its report."""
    changeset.status, changeset.undone_at, changeset.undone_by = ChangesetStatus.UNDONE, timezone.now(), _actor(user)
    changeset.undo_total, changeset.undo_done, changeset.undo_report = total, total, report.as_dict()
    changeset.save()


@transaction.atomic
def changeset_undo(*, changeset: Changeset, user: User = None, run_now: bool = False) -> UndoReport:
    """Restore every item of the changeset to its version before it; items changed since are refused and named.

    A changeset of more than UNDO_SYNC_MAX items is undone by a background job (`changeset_undo_task`) that
    reports its progress on the changeset; `run_now` is how that job calls in."""
    changeset = changeset_undo_lock(changeset=changeset, run_now=run_now)
    if changeset.kind in LISTING_UNDO_KINDS:
        raise ApplicationError(
            f"Changeset #{changeset.pk} is a {changeset.get_kind_display().lower()}: its undo takes listings off "
            "(delists or deletes them) and has its own confirmation step.",
            extra={"code": "confirmation_required"},
        )
    if changeset.kind == ChangesetKind.GRID:
        raise ApplicationError(
            f"Changeset #{changeset.pk} is a grid save: its values are put back by changeset_grid_undo.",
            extra={"code": "wrong_kind"},
        )
    from .content_undo import changeset_content_undo

    products, listings = changeset_items(changeset)
    total = len(products) + len(listings)
    if total > UNDO_SYNC_MAX and not run_now:
        from common.enqueue import enqueue
        from listings.tasks import changeset_undo_task

        changeset.status, changeset.undo_total, changeset.undo_done = ChangesetStatus.UNDOING, total, 0
        changeset.save(update_fields=["status", "undo_total", "undo_done", "updated_at"])
        enqueue(changeset_undo_task, changeset.pk, getattr(_actor(user), "pk", None), group="changeset_undo")
        return UndoReport(queued=True)
    report = UndoReport()
    changeset.undo_total = total
    with content_change(
        change_type=ChangeType.ROLLBACK,
        source=f"undo of changeset #{changeset.pk}",
        reason=f"Undo of {changeset}",
        changeset_id=None,
        hold=True,
    ):
        changeset_content_undo(changeset=changeset, products=products, listings=listings, user=user, report=report)
    changeset_undo_finish(changeset=changeset, user=user, report=report, total=total)
    return report
