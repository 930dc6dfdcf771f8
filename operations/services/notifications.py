"""Notifications: the in-app centre and the e-mail digest (docs/operations.md#notifications).

Handlers of events published by lower apps (competitor observations, ingested orders, the generic
accounts.events.NOTIFICATION_REQUESTED) and the job runner collect what happened and write the notifications
once the publisher's transaction commits: no query inside the publisher's transaction, none at all when it
rolls back. E-mail goes out by a queued task: at once for users who chose "immediately", else in the daily digest.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.roles import ADMIN, CHANNEL_MANAGER, EDITOR
from channels.models import Channel
from common.enqueue import enqueue
from competitors.models import Alert
from listings.models import Listing, ListingVersion
from operations.choices import NotificationChannel, NotificationDigest, NotificationKind
from operations.models import Job, Notification, NotificationPreference
from operations.tasks import notifications_email_task
from orders.models import OrderLine

logger = logging.getLogger(__name__)

STAFF_ROLES = (ADMIN, EDITOR, CHANNEL_MANAGER)
DIGEST_MAX_ITEMS = 50  # per e-mail; the rest are counted and linked


@dataclass(frozen=True)
class Draft:
    kind: str
    title: str
    body: str = ""
    link: str = ""
    user_ids: tuple[int, ...] | None = None  # None: every active staff user
    dedupe_key: str = ""


# --- Recipients ---


def staff_user_ids() -> list[int]:
    users = get_user_model().objects.filter(is_active=True)
    return list(
        users.filter(Q(is_superuser=True) | Q(groups__name__in=STAFF_ROLES)).distinct().values_list("pk", flat=True)
    )


def admin_user_ids() -> list[int]:
    users = get_user_model().objects.filter(is_active=True)
    return list(users.filter(Q(is_superuser=True) | Q(groups__name=ADMIN)).distinct().values_list("pk", flat=True))


# --- Writing ---


def notifications_create(drafts: Iterable[Draft]) -> int:
    """Write the notifications of `drafts` (a repeated dedupe key is skipped per user); queue the e-mails of users
    who want them at once. Returns how many were asked for (skipped repeats included)."""
    staff: list[int] | None = None
    rows = []
    for draft in drafts:
        if draft.kind not in NotificationKind.values:
            raise ValidationError({"kind": f"Unknown notification kind {draft.kind!r}."})
        if draft.user_ids is None and staff is None:
            staff = staff_user_ids()
        for user_id in draft.user_ids if draft.user_ids is not None else staff or []:
            note = Notification(
                user_id=user_id,
                kind=draft.kind,
                title=draft.title[:200],
                body=draft.body,
                link=draft.link[:500],
                dedupe_key=draft.dedupe_key[:120],
            )
            note.full_clean(exclude=["user"], validate_constraints=False)
            rows.append(note)
    if not rows:
        return 0
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        kinds = {n.kind for n in rows}
        immediate = NotificationPreference.objects.filter(
            user_id__in={n.user_id for n in rows},
            kind__in=kinds,
            channel=NotificationChannel.EMAIL,
            digest=NotificationDigest.IMMEDIATE,
        )
        if immediate.exists():
            enqueue(notifications_email_task, NotificationDigest.IMMEDIATE, group="operations.notifications")
    return len(rows)


def notification_create(
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    user_ids: Iterable[int] | None = None,
    dedupe_key: str = "",
) -> int:
    """One notification for each of `user_ids` (default: every active staff user)."""
    ids = tuple(user_ids) if user_ids is not None else None
    return notifications_create([Draft(kind, title, body, link, ids, dedupe_key)])


# --- Collecting events until their transaction commits ---

_pending = threading.local()

CollectMany = Callable[[list[Any]], Iterable[Draft]]


def _after_commit(collect: Callable[[], Iterable[Draft]]) -> None:
    """Run `collect` after the current transaction commits (at once outside one); its drafts are written then."""
    _after_commit_of(_each, collect)


def _each(collects: list[Callable[[], Iterable[Draft]]]) -> Iterable[Draft]:
    for collect in collects:
        yield from collect()


def _after_commit_of(collect_many: CollectMany, item: Any) -> None:
    """Add `item` to what `collect_many` reads once, for all the items of the transaction, after it commits: an
    ingest of a page of orders asks one question for the page, not one per order (docs/benchmarks.md, "Orders")."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        notifications_create(list(collect_many([item])))
        return
    hooks = connection.run_on_commit
    state = getattr(_pending, "state", None)
    if state is None or state[0] is not hooks or not any(entry[1] is _flush for entry in hooks):
        state = (hooks, dict[CollectMany, list[Any]]())
        _pending.state = state
        transaction.on_commit(_flush)
    state[1].setdefault(collect_many, []).append(item)


def _flush() -> None:
    state = getattr(_pending, "state", None)
    _pending.state = None
    if not state:
        return
    drafts: list[Draft] = []
    for collect_many, items in state[1].items():
        drafts.extend(collect_many(items))
    try:
        notifications_create(drafts)
    except Exception:  # the change that caused them is committed; a lost notification must not hide that
        logger.exception("notifications could not be written")


def notification_requested(
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    user_ids: Iterable[int] | None = None,
    dedupe_key: str = "",
    **_: Any,
) -> None:
    """Handler of accounts.events.NOTIFICATION_REQUESTED."""
    draft = Draft(kind, title, body, link, tuple(user_ids) if user_ids is not None else None, dedupe_key)
    _after_commit(lambda: [draft])


def competitor_observed(*, competitor_id: int, at: datetime, **_: Any) -> None:
    """Handler of competitors.events.COMPETITOR_OBSERVED: a notification per alert the observation opened."""

    def collect() -> list[Draft]:
        alerts = Alert.objects.filter(competitor_id=competitor_id, first_seen_at=at).select_related("competitor")
        return [
            Draft(
                NotificationKind.ALERT,
                f"{alert.get_severity_display()} alert: {alert}",
                f"{alert.previous_value or '—'} → {alert.new_value or '—'}",
                f"/competitors/{alert.competitor_id}/",
                None,
                f"alert:{alert.pk}",
            )
            for alert in alerts
        ]

    _after_commit(collect)


def order_ingested(*, order: Any, **_: Any) -> None:
    """Handler of orders.events.ORDER_INGESTED: a notification per oversold line (docs/orders.md#oversell)."""
    _after_commit_of(_oversold_lines, order.pk)


def _oversold_lines(order_ids: list[int]) -> list[Draft]:
    """The notifications of the oversold lines of these orders (one query for a page of ingested orders)."""
    lines = OrderLine.objects.filter(order_id__in=order_ids, oversold=True).select_related("order").order_by("pk")
    return [
        Draft(
            NotificationKind.OVERSELL,
            f"Oversold: order {line.order.external_id}, {line.sku or 'line'} × {line.quantity}",
            "Two sales took the same units; check the stock and the order.",
            f"/orders/{line.order_id}/",
            None,
            f"oversell:{line.pk}",
        )
        for line in lines
    ]


def version_marketplace(*, listing_id: int, channel_id: int, fields: list[str], **_: Any) -> None:
    """Handler of syncing.events.VERSION_MARKETPLACE: the marketplace changed a listing's content and it became
    ours (docs/catalog.md#versions)."""
    _after_commit_of(_marketplace_edits, (listing_id, fields))


def _marketplace_edits(edits: list[tuple[int, list[str]]]) -> list[Draft]:
    """The notifications of a transaction's marketplace edits: two queries however many listings a pull took."""
    listings = Listing.objects.filter(pk__in={pk for pk, _ in edits}).select_related("channel", "product").in_bulk()
    latest = dict(
        ListingVersion.objects.filter(listing_id__in=listings)
        .order_by()
        .values("listing_id")
        .annotate(number=Max("version_number"))
        .values_list("listing_id", "number")
    )
    return [
        Draft(
            NotificationKind.MARKETPLACE_EDIT,
            f"{listing.channel.name} changed {', '.join(fields)} of {listing.product.sku}",
            "The marketplace's value is ours now; the listing's history shows the version it made.",
            f"/listings/{listing_id}/history/",
            None,
            f"marketplace-edit:{listing_id}:{latest.get(listing_id) or 0}",
        )
        for listing_id, fields in edits
        if (listing := listings.get(listing_id)) is not None
    ]


def job_failed(*, job: Job) -> None:
    """A job ended failed: its starter and the admins are told."""
    users = {*admin_user_ids(), *([job.created_by_id] if job.created_by_id else [])}
    draft = Draft(
        NotificationKind.JOB_FAILED,
        f"Job failed: {job.get_type_display()} {job.public_id}",
        job.error[:2000],
        f"/operations/jobs/{job.public_id}/",
        tuple(sorted(users)),
        f"job:{job.pk}",
    )
    _after_commit(lambda: [draft])


def sync_job_failed(
    *, job_id: int, channel_id: int, kind: str, status: str, failed: int, total: int, created_by_id: int | None,
    **_: Any,
) -> None:  # fmt: skip
    """A sync job ended with failures: its starter and the admins are told, once per job."""
    channel = Channel.objects.filter(pk=channel_id).values_list("name", flat=True).first() or f"channel {channel_id}"
    users = {*admin_user_ids(), *([created_by_id] if created_by_id else [])}
    ended = "failed" if failed == total else "ended with errors"
    draft = Draft(
        NotificationKind.JOB_FAILED,
        f"Sync job #{job_id} on {channel} {ended}",
        f"{failed} of {total} listing(s) failed ({kind}). Open the job to retry the failed ones.",
        reverse("syncing:job_detail", args=[job_id]),
        tuple(sorted(users)),
        f"sync-job:{job_id}",
    )
    _after_commit(lambda: [draft])


# --- Reading state ---


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when `ids` is None); returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def notification_preference_set(*, user: Any, kind: str, channel: str, digest: str) -> NotificationPreference:
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first() or NotificationPreference(
        user=user, kind=kind
    )
    pref.channel, pref.digest = channel, digest
    pref.full_clean(validate_constraints=False)
    pref.save()
    return pref


# --- E-mail ---


def _email_body(user: Any, notes: list[Notification], more: int) -> str:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    lines = [f"Hello {user.get_username()},", ""]
    for note in notes:
        lines.append(f"- [{note.get_kind_display()}] {note.title}")
        if note.body:
            lines.append(f"  {note.body[:300]}")
        if note.link:
            lines.append(f"  {base}{note.link}")
    if more:
        lines.append(f"... and {more} more.")
    lines += ["", f"All notifications: {base}/operations/notifications/"]
    return "\n".join(lines)


def notifications_email_send(*, digest: str) -> int:
    """Send each user the notifications not yet e-mailed of the kinds they want by e-mail with this `digest`
    (immediate or daily): one e-mail per user. Returns the number of e-mails sent. Idempotent: sent ones are
    marked `emailed_at`; read ones are not e-mailed."""
    prefs = NotificationPreference.objects.filter(channel=NotificationChannel.EMAIL, digest=digest).select_related(
        "user"
    )
    wanted: dict[int, set[str]] = {}
    users: dict[int, Any] = {}
    for pref in prefs:
        if pref.user.is_active and pref.user.email:
            wanted.setdefault(pref.user_id, set()).add(pref.kind)
            users[pref.user_id] = pref.user
    sent = 0
    for user_id, kinds in wanted.items():
        pending: QuerySet[Notification] = Notification.objects.filter(
            user_id=user_id, kind__in=kinds, emailed_at__isnull=True, read_at__isnull=True
        )
        notes = list(pending[:DIGEST_MAX_ITEMS])
        if not notes:
            continue
        more = pending.count() - len(notes) if len(notes) == DIGEST_MAX_ITEMS else 0
        subject = (
            f"[Listing Manager] {notes[0].title}"
            if len(notes) == 1
            else f"[Listing Manager] {len(notes) + more} notifications"
        )
        send_mail(subject, _email_body(users[user_id], notes, more), None, [users[user_id].email])
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody else's are ever listed)."""
    return Notification.objects.filter(user_id=user.pk)
