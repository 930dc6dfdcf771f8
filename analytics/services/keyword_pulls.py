"""The record of each keyword report "Pull now" (docs/analytics.md#keyword-reports-pull-now): one row from
queueing to its end, so a second request for a channel with a pull queued or running is refused ("already queued
since …") and queues nothing.

A row a lost task left queued or running (a worker killed, a queue flushed) would refuse every later request;
after KEYWORD_PULL_STALE it counts as abandoned and the next request replaces it."""

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.models import ACTIVE_KEYWORD_PULL_STATUSES, KeywordReportPull, KeywordReportPullStatus
from channels.models import Channel
from common.errors import ApplicationError

from .performance import PULL_TASK_TIMEOUT_SECONDS

# A running pull is killed by its task timeout; a queued one waits at most this long for a worker (the queue
# holds other work, so a few hours; longer means its queue row was lost).
KEYWORD_PULL_STALE = {
    KeywordReportPullStatus.QUEUED: timedelta(hours=6),
    KeywordReportPullStatus.RUNNING: timedelta(seconds=PULL_TASK_TIMEOUT_SECONDS + 300),
}


def keyword_pull_active(channel: Channel, now: datetime | None = None) -> KeywordReportPull | None:
    """The channel's queued or running pull; one past KEYWORD_PULL_STALE is marked abandoned and not returned."""
    now = now or timezone.now()
    pull = KeywordReportPull.objects.filter(channel=channel, status__in=ACTIVE_KEYWORD_PULL_STATUSES).first()
    if pull is None:
        return None
    since = pull.started_at or pull.queued_at
    if now - since <= KEYWORD_PULL_STALE[KeywordReportPullStatus(pull.status)]:
        return pull
    KeywordReportPull.objects.filter(pk=pull.pk, status=pull.status).update(
        status=KeywordReportPullStatus.ABANDONED,
        finished_at=now,
        message=f"No worker finished it within {KEYWORD_PULL_STALE[KeywordReportPullStatus(pull.status)]}.",
    )
    return None


def already_active_message(pull: KeywordReportPull) -> str:
    if pull.status == KeywordReportPullStatus.RUNNING and pull.started_at:
        state = f"running since {pull.started_at:%Y-%m-%d %H:%M} UTC"
    else:
        state = f"queued since {pull.queued_at:%Y-%m-%d %H:%M} UTC"
    return (
        f"A {pull.get_report_display()} pull of {pull.channel.name} is already {state}; nothing new was queued. "
        "Wait for it to finish."
    )


def keyword_pull_open(*, channel: Channel, report: str, status: str, user: Any = None) -> KeywordReportPull:
    """Record a new queued (or, for the command, running) pull; refused with ApplicationError and nothing written
    while the channel has an active one (also when another request wins the race: the database's unique
    constraint)."""
    if active := keyword_pull_active(channel):
        raise ApplicationError(already_active_message(active))
    now = timezone.now()
    pull = KeywordReportPull(
        channel=channel,
        report=report,
        status=status,
        queued_at=now,
        started_at=now if status == KeywordReportPullStatus.RUNNING else None,
        created_by=user if getattr(user, "pk", None) else None,
    )
    pull.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            pull.save()
    except IntegrityError as exc:
        raced = keyword_pull_active(channel)
        raise ApplicationError(
            already_active_message(raced) if raced else "Another pull of this channel was just queued."
        ) from exc
    return pull


def keyword_pull_take(pull_id: int) -> KeywordReportPull | None:
    """Mark the queued pull running for the task that carries it; None if it is no longer queued (abandoned and
    replaced, or already taken), and then the task does nothing."""
    taken = KeywordReportPull.objects.filter(pk=pull_id, status=KeywordReportPullStatus.QUEUED).update(
        status=KeywordReportPullStatus.RUNNING, started_at=timezone.now()
    )
    return KeywordReportPull.objects.select_related("channel").get(pk=pull_id) if taken else None


def keyword_pull_close(pull: KeywordReportPull, *, failed: bool, message: str) -> None:
    KeywordReportPull.objects.filter(pk=pull.pk).update(
        status=KeywordReportPullStatus.FAILED if failed else KeywordReportPullStatus.DONE,
        finished_at=timezone.now(),
        message=message[:500],
    )
