"""The listing status state machine: one table of allowed moves, and the one service that makes them.

    from          -> to (allowed)                                   typical cause
    draft         -> ready, queued, paused, delisted                operator checked it / publish now / park it
    ready         -> draft, queued, paused, delisted                edit again / publish
    queued        -> publishing, ready, draft, paused, error        worker picked it up / operator cancelled
    publishing    -> in_review, live, queued, error, out_of_sync    marketplace answer / retry later / failure
    in_review     -> live, error, queued, paused, delisted,          review passed or rejected / re-push /
                     out_of_sync, suppressed                          taken down / remote changed / suppressed
    live          -> queued, in_review, out_of_sync, paused,         republish a change / re-review / drift /
                     delisted, error, suppressed                      deactivate / delete / remote rejection /
                                                                      suppressed by the marketplace
    error         -> draft, ready, queued, paused, delisted          fix and retry
    paused        -> queued, draft, ready, delisted, live            reactivate / edit / delete / reactivated remotely
    delisted      -> draft, ready, queued                            list again
    out_of_sync   -> queued, live, paused, delisted, error,          push ours / accept theirs / park / delete /
                     suppressed                                       marketplace suppressed it
    suppressed    -> live, queued, in_review, paused, delisted,      issue fixed / re-push / re-review /
                     error, out_of_sync                               deactivated / deleted / rejected / drift

Moving to `ready` or `queued` also requires no blocking readiness issue. Moving to the current status is a
no-op (tasks are idempotent and may repeat a move).
"""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_base
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError

from .choices import ListingStatus
from .models import Listing
from .readiness import ReadinessIssue, listing_readiness

S = ListingStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.READY, S.QUEUED, S.PAUSED, S.DELISTED}),
    S.READY: frozenset({S.DRAFT, S.QUEUED, S.PAUSED, S.DELISTED}),
    S.QUEUED: frozenset({S.PUBLISHING, S.READY, S.DRAFT, S.PAUSED, S.ERROR}),
    S.PUBLISHING: frozenset({S.IN_REVIEW, S.LIVE, S.QUEUED, S.ERROR, S.OUT_OF_SYNC}),
    S.IN_REVIEW: frozenset({S.LIVE, S.ERROR, S.QUEUED, S.PAUSED, S.DELISTED, S.OUT_OF_SYNC, S.SUPPRESSED}),
    S.LIVE: frozenset({S.QUEUED, S.IN_REVIEW, S.OUT_OF_SYNC, S.PAUSED, S.DELISTED, S.ERROR, S.SUPPRESSED}),
    S.ERROR: frozenset({S.DRAFT, S.READY, S.QUEUED, S.PAUSED, S.DELISTED}),
    S.PAUSED: frozenset({S.QUEUED, S.DRAFT, S.READY, S.DELISTED, S.LIVE}),
    S.DELISTED: frozenset({S.DRAFT, S.READY, S.QUEUED}),
    S.OUT_OF_SYNC: frozenset({S.QUEUED, S.LIVE, S.PAUSED, S.DELISTED, S.ERROR, S.SUPPRESSED}),
    S.SUPPRESSED: frozenset({S.LIVE, S.QUEUED, S.IN_REVIEW, S.PAUSED, S.DELISTED, S.ERROR, S.OUT_OF_SYNC}),
}
READINESS_GATED = frozenset({S.READY, S.QUEUED})
TRANSITION_FIELDS = ("status", "status_changed_at", "status_reason", "updated_by", "updated_at")


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


def _label(status: str) -> str:
    return str(ListingStatus(status).label) if status in ListingStatus.values else repr(status)


@transaction.atomic
def listing_transition(*, listing: Listing, to_status: str, user: User = None, reason: str = "") -> Listing:
    """Move a listing to `to_status` if the table allows it; refuse with the reason otherwise.

    The row is locked and re-read first, so two workers cannot both move the same listing from one status.
    """
    if to_status not in ListingStatus.values:
        raise ApplicationError(
            f"Unknown listing status {to_status!r}; known: {', '.join(ListingStatus.values)}.",
            extra={"code": "unknown_status"},
        )
    locked = Listing.objects.select_for_update().only(*TRANSITION_FIELDS).get(pk=listing.pk)
    current = locked.status
    listing.status = current
    if current == to_status:
        return listing
    if not transition_allowed(current, to_status):
        allowed = ", ".join(_label(s) for s in sorted(ALLOWED_TRANSITIONS[current])) or "nothing"
        raise ApplicationError(
            f"A listing cannot go from {_label(current)} to {_label(to_status)}; "
            f"from {_label(current)} it can go to: {allowed}.",
            extra={"code": "illegal_transition", "from": current, "to": to_status},
        )
    if to_status in READINESS_GATED:
        blocking = [issue for issue in listing_readiness(listing) if issue.is_blocking]
        if blocking:
            reasons = "; ".join(issue.message for issue in blocking)
            raise ApplicationError(
                f"This listing cannot be {_label(to_status).lower()} yet: {reasons}",
                extra={"code": "not_ready", "issues": [issue.as_dict() for issue in blocking]},
            )
    audit_base(listing, locked)  # the audit entry compares against the row read under the lock just now
    listing.status = to_status
    listing.status_changed_at = timezone.now()
    listing.status_reason = reason[:500]
    listing.updated_by = _actor(user)
    listing.save(update_fields=list(TRANSITION_FIELDS))
    return listing


# --- Moves a person makes (docs/sync.md#deactivation) ---

# What the marketplace holds for a listing that has an external id in one of these statuses: something a buyer
# can see or that is on its way there. Archiving its product and "Delist everywhere" act on these.
ON_MARKETPLACE_STATUSES = frozenset({S.QUEUED, S.PUBLISHING, S.IN_REVIEW, S.LIVE, S.ERROR, S.OUT_OF_SYNC, S.SUPPRESSED})
# Statuses only the sync engine sets, from the marketplace's answer (or a job it runs): never by hand. The same
# set: a status that says "the marketplace has it" is one only the marketplace's answer may set.
ENGINE_ONLY_STATUSES = ON_MARKETPLACE_STATUSES
# Statuses that, for a listing the marketplace holds (it has an external id), say what the marketplace did.
MARKETPLACE_STATE_STATUSES = frozenset({S.PAUSED, S.DELISTED})


def manual_move_refusal(listing: Listing, to_status: str) -> str:
    """Why a person may not move `listing` to `to_status` by hand ("" when they may).

    Statuses that state what the marketplace shows follow only the marketplace's answer: pausing or delisting a
    listing the marketplace holds goes through "Deactivate on marketplace", publishing through "Publish".
    """
    label = _label(to_status)
    if to_status in ENGINE_ONLY_STATUSES:
        hint = "Publish the listing" if to_status in (S.QUEUED, S.PUBLISHING, S.IN_REVIEW, S.LIVE) else "Sync it"
        return f"{label} is set only by the sync engine from the marketplace's answer; {hint} instead."
    if to_status in MARKETPLACE_STATE_STATUSES and listing.external_id:
        action = "Pause on marketplace" if to_status == S.PAUSED else "Deactivate on marketplace"
        return (
            f"This listing is on the marketplace (id {listing.external_id}): {label} is set only once the "
            f'marketplace confirmed it. Use "{action}" instead.'
        )
    return ""


def manual_moves(listing: Listing) -> list[str]:
    """The statuses a person may move `listing` to by hand (for the status form)."""
    allowed = ALLOWED_TRANSITIONS.get(listing.status, frozenset())
    return sorted(status for status in allowed if not manual_move_refusal(listing, status))


class MoveOption(NamedTuple):
    """One entry of the status changer: a status the table allows from here, and why it is off ("" if it is not)."""

    status: str
    label: str
    refusal: str


def manual_move_options(listing: Listing, blocking: Sequence[ReadinessIssue] | None = None) -> list[MoveOption]:
    """Every status the table allows from the listing's status, the ones a person may pick first; each other one
    with the reason it is off (the marketplace sets it, or readiness blocks it). `blocking`: the listing's
    blocking readiness issues when the caller has them already (else they are checked here, once)."""
    options = []
    for status in sorted(ALLOWED_TRANSITIONS.get(listing.status, frozenset())):
        refusal = manual_move_refusal(listing, status)
        if not refusal and status in READINESS_GATED:
            if blocking is None:
                blocking = [issue for issue in listing_readiness(listing) if issue.is_blocking]
            if blocking:
                more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
                refusal = f"Blocked until it can be published: {blocking[0].message}{more}"
        options.append(MoveOption(status, _label(status), refusal))
    return sorted(options, key=lambda option: bool(option.refusal))


def listing_status_move(*, listing: Listing, to_status: str, user: User = None, reason: str = "") -> Listing:
    """A person's status move (page, API, admin, bulk): the state machine, minus the statuses only the
    marketplace's answer may set (manual_move_refusal)."""
    listing.refresh_from_db(fields=["status", "external_id"])
    refusal = manual_move_refusal(listing, to_status) if to_status in ListingStatus.values else ""
    if refusal and to_status != listing.status:
        raise ApplicationError(refusal, extra={"code": "marketplace_status", "to": to_status})
    return listing_transition(listing=listing, to_status=to_status, user=user, reason=reason)
