"""Push on change: mark listings whose marketplace payload changed, and clear the mark for the change sent.

A write that changes what a listing sends (its effective price, stock, title, description, images, attributes,
category mapping, or its channel's price/stock rules) marks the listing `changed_since_push` in the writing
transaction, with the part that changed: "offers" (price and stock) or "content" (the rest). The mark is the
durable to-do list of the push: the sync engine sends what is marked and clears only the change it sent
(`listings_changes_clear` compares `changed_at`, which every mark moves to its own time), so an edit made while
a push is in flight is marked again and sent by the next one. See docs/sync.md, "Push on change".

Marks are set-based (one UPDATE per call, never one per row). Small selections (a form, one API call) are first
checked exactly: a listing whose payload hash equals what was last pushed is not marked, so a save that changes
nothing the marketplace sees marks nothing. Large ones (imports, rule edits) are marked as they come and the
engine skips, unsent, the listings whose payload turns out unchanged.
"""

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from django.db.models import Case, JSONField, Q, QuerySet, Value, When
from django.utils import timezone

from catalog.models import Category
from channels.models import Channel
from common import events
from listings.choices import ListingStatus
from listings.events import LISTINGS_CHANGED
from listings.models import Listing
from listings.selectors import listing_marketplace_payload_hash, listings_with_payload_inputs

PART_OFFERS = "offers"
PART_CONTENT = "content"
PARTS = (PART_CONTENT, PART_OFFERS)  # sorted: the stored list is always in this order

# Statuses whose listing is on the marketplace, so a local change leaves it behind. `out_of_sync` is marked too
# (the page shows the change) but never pushed automatically: its operator decides between ours and theirs.
MARKED_STATUSES = (ListingStatus.LIVE, ListingStatus.IN_REVIEW, ListingStatus.SUPPRESSED, ListingStatus.OUT_OF_SYNC)
AUTO_PUSH_STATUSES = (ListingStatus.LIVE, ListingStatus.IN_REVIEW, ListingStatus.SUPPRESSED)

# Up to this many listings are checked exactly (payload hash) before marking; more are marked set-based.
EXACT_MARK_MAX = 60

# A listing's own override fields by the part of the payload they feed.
LISTING_OFFER_FIELDS = frozenset({"price", "compare_at_price", "quantity"})
LISTING_CONTENT_FIELDS = frozenset(
    {"title", "description", "bullet_points", "search_terms", "short_description", "seo_title", "seo_description"}
)


def parts_for_fields(fields: Iterable[str], *, offers: Collection[str], content: Collection[str]) -> frozenset[str]:
    """The payload parts that a change of `fields` touches (empty: nothing the marketplace sees)."""
    names = set(fields)
    parts = set()
    if names & set(offers):
        parts.add(PART_OFFERS)
    if names & set(content):
        parts.add(PART_CONTENT)
    return frozenset(parts)


def _parts_merged(parts: Collection[str]) -> Case | Value:
    """SQL for "the stored parts plus `parts`", kept sorted (the stored list is one of four values)."""
    wanted = [p for p in PARTS if p in parts]
    if len(wanted) == len(PARTS):
        return Value(list(PARTS), output_field=JSONField())
    other = [p for p in PARTS if p not in parts]
    return Case(
        When(Q(changed_parts=other) | Q(changed_parts=list(PARTS)), then=Value(list(PARTS), output_field=JSONField())),
        default=Value(wanted, output_field=JSONField()),
        output_field=JSONField(),
    )


def listings_changes_mark(*, listings: QuerySet[Listing], parts: Collection[str]) -> int:
    """Mark the listings of `listings` that are on a marketplace as changed since push (one UPDATE).

    Runs in the caller's transaction, so the mark commits with the change; returns how many were marked and
    announces the channels to the sync engine (`listings.changed_since_push`), which schedules the push.
    """
    parts = frozenset(p for p in parts if p in PARTS)
    if not parts:
        return 0
    scope = listings.filter(status__in=MARKED_STATUSES).exclude(external_id="")
    channel_ids = sorted(set(scope.order_by().values_list("channel_id", flat=True).distinct()))
    if not channel_ids:
        return 0
    now = timezone.now()
    marked = Listing.objects.filter(pk__in=scope.values("pk")).update(
        changed_since_push=True, changed_at=now, changed_parts=_parts_merged(parts), updated_at=now
    )
    if marked:
        events.publish(LISTINGS_CHANGED, channel_ids=channel_ids, parts=parts)
    return marked


def listings_changes_mark_exact(*, listing_ids: Iterable[int], parts: Collection[str]) -> int:
    """Mark only those of the listings whose marketplace payload differs from what was last pushed.

    For small selections (a form, an API call): builds each payload (a few queries per listing). A listing that
    is already marked is marked again whatever its payload: a push may be sending the previous change right now,
    and only a new `changed_at` keeps its mark for the next push (e.g. an edit that reverts the previous one).
    Nor is a listing with pending values compared (docs/sync.md#push-on-change, "Pending").
    """
    listings = listings_with_payload_inputs(
        Listing.objects.filter(pk__in=list(listing_ids), status__in=MARKED_STATUSES).exclude(external_id="")
    )
    changed = [
        listing.pk
        for listing in listings
        if listing.changed_since_push
        or listing.pending  # a send whose answer never came: the marketplace may hold something else
        or listing_marketplace_payload_hash(listing) != listing.last_pushed_hash
    ]
    if not changed:
        return 0
    return listings_changes_mark(listings=Listing.objects.filter(pk__in=changed), parts=parts)


def _mark_scope(listings: QuerySet[Listing], parts: Collection[str]) -> int:
    """Exact when few listings are on a marketplace, set-based otherwise."""
    candidates = list(
        listings.filter(status__in=MARKED_STATUSES)
        .exclude(external_id="")
        .values_list("pk", flat=True)[: EXACT_MARK_MAX + 1]
    )
    if not candidates:
        return 0
    if len(candidates) <= EXACT_MARK_MAX:
        return listings_changes_mark_exact(listing_ids=candidates, parts=parts)
    return listings_changes_mark(listings=listings, parts=parts)


def listings_changes_mark_for_products(
    *,
    product_ids: Iterable[int] | None = None,
    category: Category | None = None,
    parts: Collection[str],
    **_: object,
) -> None:
    """Handler of `catalog.listing_inputs_changed`: mark the listings of the products (or of a category subtree)."""
    if not parts:
        return
    listings = Listing.objects.all()
    if product_ids is not None:
        listings = listings.filter(product_id__in=list(product_ids))
    elif category is not None:
        listings = listings.filter(product__category__path__startswith=category.path)
    else:
        return
    _mark_scope(listings, parts)


def listings_changes_mark_for_channel(
    *, channel: Channel, category: Category | None = None, parts: Collection[str], **_: object
) -> None:
    """Handler of `channel.payload_inputs_changed`: mark the channel's listings (or those of a category subtree)."""
    if not parts:
        return
    listings = Listing.objects.filter(channel=channel)
    if category is not None:
        listings = listings.filter(product__category__path__startswith=category.path)
    _mark_scope(listings, parts)


def listings_changes_clear(*, sent: Mapping[int, datetime | None], parts: Collection[str]) -> list[int]:
    """Clear `parts` of the marks that are still the ones read before sending; returns the listings cleared.

    `sent` maps each listing sent to the `changed_at` read before its payload was built (None: it was not
    marked). A listing marked again since (a later `changed_at`) keeps its mark whole, so its newer change goes
    out with the next push. A listing left with another part stays marked with that part.
    """
    parts = frozenset(parts)
    cleared: list[int] = []
    keep = [p for p in PARTS if p not in parts]
    matching = Q()
    for pk, changed_at in sent.items():
        if changed_at is not None:
            matching |= Q(pk=pk, changed_at=changed_at)
    if not matching:
        return cleared
    candidates = Listing.objects.filter(matching, changed_since_push=True)
    if keep:
        # Listings that still have another part keep the mark with that part; the others are clear.
        rest = candidates.filter(Q(changed_parts=keep) | Q(changed_parts=list(PARTS)))
        kept = list(rest.values_list("pk", flat=True))
        rest.update(changed_parts=keep)
        candidates = candidates.exclude(pk__in=kept)
    cleared = list(candidates.values_list("pk", flat=True))
    if cleared:
        Listing.objects.filter(pk__in=cleared).update(changed_since_push=False, changed_at=None, changed_parts=[])
    return cleared


def listings_pending_set(*, values: Mapping[int, Mapping[str, str]], now: datetime | None = None) -> None:
    """Record what was just sent to the marketplace as pending until it confirms (merged over older values)."""
    if not values:
        return
    now = now or timezone.now()
    rows = list(Listing.objects.filter(pk__in=list(values)).only("pk", "pending", "pending_since"))
    for row in rows:
        row.pending = {**(row.pending or {}), **values[row.pk]}
        row.pending_since = row.pending_since or now
    Listing.objects.bulk_update(rows, ["pending", "pending_since"])


def listings_pending_confirm(*, keys: Mapping[int, Collection[str]]) -> None:
    """The marketplace confirmed these keys of these listings: drop them from `pending` (and its time when empty)."""
    if not keys:
        return
    rows = list(Listing.objects.filter(pk__in=list(keys)).only("pk", "pending", "pending_since"))
    changed = []
    for row in rows:
        rest = {k: v for k, v in (row.pending or {}).items() if k not in keys[row.pk]}
        if rest != (row.pending or {}):
            row.pending = rest
            row.pending_since = row.pending_since if rest else None
            changed.append(row)
    if changed:
        Listing.objects.bulk_update(changed, ["pending", "pending_since"])
