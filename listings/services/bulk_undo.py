"""Changesets of bulk publishes and bulk assignments (docs/catalog.md#undoing-publishes-and-assignments).

They change no content, so they are undone by the listings they recorded, not by versions: a bulk assign's undo
deletes the draft listings it created, a bulk publish's undo delists what it put on the marketplaces (in
syncing.services.changeset_revert, as delisting is a sync job). Either is refused without `confirm`, with the
plan it would carry out as the message, so every entry point has its confirmation step.
"""

from collections.abc import Sequence

from django.db import transaction

from accounts.audit import audit_record_bulk, audit_suspended
from common.actors import Actor as User
from common.errors import ApplicationError
from listings.choices import ChangesetKind
from listings.models import Changeset, ChangesetListing, Listing
from listings.selectors import ChangesetUndoPlan, changeset_undo_plan

from .baseline import _insert_new
from .versions import UndoReport, changeset_undo_finish, changeset_undo_lock

DELETE_CHUNK = 500  # listings deleted per statement by an assign's undo


def changeset_listings_record(*, changeset: Changeset, rows: Sequence[tuple[int, str]]) -> int:
    """Record (listing id, status before) of a bulk operation: one multi-row INSERT; a listing recorded twice in
    one changeset keeps its first row."""
    items = [ChangesetListing(changeset=changeset, listing_id=pk, previous_status=status) for pk, status in rows]
    return _insert_new(ChangesetListing, items)


def changeset_undo_plan_confirmed(
    *, changeset: Changeset, kind: str, confirm: bool, run_now: bool = False
) -> tuple[Changeset, ChangesetUndoPlan]:
    """Lock the changeset and return its plan, refused without confirmation (the message says what the undo
    would do) or while a listing is still on its way to the marketplace."""
    changeset = changeset_undo_lock(changeset=changeset, run_now=run_now)
    if changeset.kind != kind:
        raise ApplicationError(
            f"Changeset #{changeset.pk} is a {changeset.get_kind_display().lower()}, not a "
            f"{ChangesetKind(kind).label.lower()}.",
            extra={"code": "wrong_kind"},
        )
    plan = changeset_undo_plan(changeset)
    if plan.blocking:
        raise ApplicationError(
            f"Changeset #{changeset.pk} cannot be undone yet: {'; '.join(plan.blocking[:10])}. Undo it once its "
            "publish jobs have ended.",
            extra={"code": "in_flight"},
        )
    if not confirm:
        raise ApplicationError(
            f"Confirm the undo of changeset #{changeset.pk}: {plan.summary}",
            extra={"code": "confirmation_required", "will": plan.summary},
        )
    return changeset, plan


@transaction.atomic
def changeset_assign_undo(*, changeset: Changeset, user: User = None, confirm: bool = False) -> UndoReport:
    """Delete the draft listings a bulk assign created; a listing published since is left and named."""
    changeset, plan = changeset_undo_plan_confirmed(
        changeset=changeset, kind=ChangesetKind.BULK_ASSIGN, confirm=confirm
    )
    ids = [row["pk"] for row in plan.targets]
    for start in range(0, len(ids), DELETE_CHUNK):
        _listings_delete(ids[start : start + DELETE_CHUNK])
    report = UndoReport(restored=len(ids), conflicts=list(plan.left))
    changeset_undo_finish(changeset=changeset, user=user, report=report, total=len(ids) + len(plan.left))
    return report


def _listings_delete(ids: list[int]) -> None:
    """Delete one chunk of listings with their audit entries written by one executemany (the per-row delete signal
    would read each listing's product and channel and insert its entry alone: three queries a listing)."""
    listings = list(Listing.objects.filter(pk__in=ids).select_related("product", "channel"))
    audit_record_bulk(Listing, listings, "delete")
    with audit_suspended():
        Listing.objects.filter(pk__in=ids).delete()
