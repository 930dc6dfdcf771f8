"""Writes for listings, one module per subdomain; callers import every listing service from this package.

- `listing`: create, change overrides, record sync bookkeeping; `listings_bulk_transition` (status moves of a
  selection; one listing's moves live in listings/state.py).
- `assign`: bulk assignment of products to channels.
- `verdicts`: the stored readiness verdict and its background refresh.
- `split`: list each variant of a family listing separately.
- `changes`: push on change: the "changed since push" mark, its compare-and-clear, and pending values.
- `versions`: content versions (the one writer of them), rollback, changesets and their undo.
- `bulk_undo`: the listings a bulk publish or bulk assign recorded, and the assign's undo (deletes its drafts).
- `baseline`: the first version of products and listings that existed before versions were kept.
- `grid`: the bulk price and stock grid's changeset; imported as `listings.services.grid` (it calls the catalog
  and inventory services, which import this package: re-exporting it here would close an import cycle).

Effective values (listings/effective.py), readiness (listings/readiness.py) and the state machine
(listings/state.py) are re-exported here too.
"""

from listings.effective import EffectiveValue, EffectiveValues, listing_effective_values
from listings.readiness import ReadinessIssue, listing_readiness
from listings.state import ALLOWED_TRANSITIONS, listing_status_move, listing_transition, manual_moves

from .assign import ASSIGN_CHUNK, ASSIGN_SYNC_READINESS_MAX, listings_bulk_assign
from .baseline import BASELINE_CHUNK, BaselineResult, content_versions_baseline
from .bulk_undo import changeset_assign_undo, changeset_listings_record, changeset_undo_plan_confirmed
from .changes import (
    AUTO_PUSH_STATUSES,
    MARKED_STATUSES,
    PART_CONTENT,
    PART_OFFERS,
    listings_changes_clear,
    listings_changes_mark,
    listings_changes_mark_exact,
    listings_changes_mark_for_channel,
    listings_changes_mark_for_products,
    listings_pending_confirm,
    listings_pending_set,
    parts_for_fields,
)
from .listing import (
    OVERRIDE_FIELDS,
    SYNC_FIELDS,
    listing_create,
    listing_sync_state_set,
    listing_update,
    listings_bulk_transition,
)
from .removal import listings_blocking_delete, product_deleting_listings_release
from .split import listing_variants_split
from .verdicts import READINESS_CHUNK, READINESS_FIELDS, listings_readiness_refresh, listings_readiness_refresh_enqueue
from .versions import (
    LISTING_UNDO_KINDS,
    UndoReport,
    changeset_open,
    changeset_undo,
    changeset_undo_finish,
    content_versions_record,
    listing_version_rollback,
    product_version_rollback,
)

__all__ = [
    "LISTING_UNDO_KINDS",
    "UndoReport",
    "changeset_assign_undo",
    "changeset_listings_record",
    "changeset_undo_finish",
    "changeset_undo_plan_confirmed",
    "BASELINE_CHUNK",
    "BaselineResult",
    "content_versions_baseline",
    "changeset_open",
    "changeset_undo",
    "content_versions_record",
    "listing_version_rollback",
    "product_version_rollback",
    "ALLOWED_TRANSITIONS",
    "ASSIGN_CHUNK",
    "AUTO_PUSH_STATUSES",
    "MARKED_STATUSES",
    "PART_CONTENT",
    "PART_OFFERS",
    "listings_changes_clear",
    "listings_changes_mark",
    "listings_changes_mark_exact",
    "listings_changes_mark_for_channel",
    "listings_changes_mark_for_products",
    "listings_pending_confirm",
    "listings_pending_set",
    "parts_for_fields",
    "ASSIGN_SYNC_READINESS_MAX",
    "OVERRIDE_FIELDS",
    "READINESS_CHUNK",
    "READINESS_FIELDS",
    "SYNC_FIELDS",
    "EffectiveValue",
    "EffectiveValues",
    "ReadinessIssue",
    "listing_create",
    "listing_effective_values",
    "listing_readiness",
    "listing_status_move",
    "listing_sync_state_set",
    "listing_transition",
    "listing_update",
    "listing_variants_split",
    "manual_moves",
    "listings_bulk_assign",
    "listings_bulk_transition",
    "listings_readiness_refresh",
    "listings_readiness_refresh_enqueue",
    "listings_blocking_delete",
    "product_deleting_listings_release",
]
