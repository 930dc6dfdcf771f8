"""The one undo of a changeset every entry point calls (page, API): content changesets through
`listings.services.changeset_undo`, a bulk assign's through `changeset_assign_undo` (deletes its drafts) and a
bulk publish's here, as delisting is a sync job (docs/catalog.md#undoing-publishes-and-assignments)."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.roles import channel_access_check
from channels.models import Channel
from common.actors import Actor as User
from common.errors import ApplicationError
from listings.choices import ChangesetKind
from listings.models import Changeset
from listings.selectors import changeset_channel_ids
from listings.services import UndoReport, changeset_assign_undo, changeset_undo, changeset_undo_finish
from listings.services import changeset_undo_plan_confirmed as _plan_confirmed
from listings.services.grid import changeset_grid_undo

from .deactivate import listings_deactivate


def changeset_revert(*, changeset: Changeset, user: User = None, confirm: bool = False) -> UndoReport:
    """Undo any changeset; a bulk publish or bulk assign only with `confirm` (refused with what it would do); a
    grid save's values through `changeset_grid_undo`. A user limited to some channels may not undo a changeset that
    touched listings of another (PermissionDenied naming them, nothing done)."""
    channel_access_check(user, changeset_channel_ids(changeset))
    if changeset.kind == ChangesetKind.BULK_PUBLISH:
        return changeset_publish_undo(changeset=changeset, user=user, confirm=confirm)
    if changeset.kind == ChangesetKind.BULK_ASSIGN:
        return changeset_assign_undo(changeset=changeset, user=user, confirm=confirm)
    if changeset.kind == ChangesetKind.GRID:
        return changeset_grid_undo(changeset=changeset, user=user)
    return changeset_undo(changeset=changeset, user=user)


@transaction.atomic
def changeset_publish_undo(*, changeset: Changeset, user: User = None, confirm: bool = False) -> UndoReport:
    """Delist, one job per channel, the listings a bulk publish put on their marketplaces. Those the marketplace
    held before it, those not on the marketplace now and those deleted since are left and named; a channel that
    refuses (paused) is named and the other channels still go."""
    changeset, plan = _plan_confirmed(changeset=changeset, kind=ChangesetKind.BULK_PUBLISH, confirm=confirm)
    by_channel: dict[int, list[int]] = defaultdict(list)
    for row in plan.targets:
        by_channel[row["channel_id"]].append(row["pk"])
    report = UndoReport(conflicts=list(plan.left))
    for channel in Channel.objects.filter(pk__in=by_channel).order_by("name"):
        try:
            with transaction.atomic():
                job = listings_deactivate(channel=channel, listing_ids=by_channel[channel.pk], mode="delist", user=user)
        except (ValidationError, ApplicationError) as exc:
            message = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
            report.conflicts.append(f"{channel.name}: {message}")
        else:
            report.restored += len(by_channel[channel.pk])
            report.jobs.append(job.pk)
    changeset_undo_finish(changeset=changeset, user=user, report=report, total=len(plan.targets) + len(plan.left))
    return report
