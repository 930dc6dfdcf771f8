"""Amazon report schedules (docs/analytics.md#report-schedules): ask Amazon to create a report type on a period
by itself, cancel that, and find the reports a schedule created so a pull reads them instead of asking for new
ones (createReport's quota is one a minute; getReports lists up to 100 reports a call).

Each report type has one fixed period and option set: the ones our pulls read (daily Sales and Traffic per SKU,
weekly Search Terms)."""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.models import ReportSchedule, ScheduledReportType
from channels.models import Channel
from common.errors import ApplicationError
from syncing.connectors.amazon.reports import ReportStatus
from syncing.connectors.base import ConnectorError, NotFound, Rejected
from syncing.services.connection import connector_for

logger = logging.getLogger(__name__)

FIRST_RUN_HOUR_UTC = 1  # the first scheduled report: 01:00 UTC, when yesterday is over everywhere in the Americas


@dataclass(frozen=True)
class ScheduleSpec:
    period: str
    options: dict[str, str]
    first_weekday: int | None = None  # Python weekday of the first run (None: the next day)


SPECS = {
    ScheduledReportType.SALES_AND_TRAFFIC: ScheduleSpec("P1D", {"dateGranularity": "DAY", "asinGranularity": "SKU"}),
    # Brand Analytics weeks run Sunday..Saturday: the first run on the Sunday after.
    ScheduledReportType.SEARCH_TERMS: ScheduleSpec("P7D", {"reportPeriod": "WEEK"}, first_weekday=6),
}


def first_run(spec: ScheduleSpec, now: datetime) -> datetime:
    """The next FIRST_RUN_HOUR_UTC after `now` (on the spec's weekday, if it has one)."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    if spec.first_weekday is not None:
        day += timedelta(days=(spec.first_weekday - day.weekday()) % 7)
    return datetime.combine(day, time(FIRST_RUN_HOUR_UTC), UTC)


def _amazon_channel(channel: Channel) -> None:
    if channel.marketplace != "amazon":
        raise ValidationError({"channel": f"{channel} is not an Amazon channel: report schedules are Amazon's."})
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel.name} is paused; activate it before scheduling its reports.")


def report_schedule_create(
    *, channel: Channel, report_type: str, user: Any = None, now: datetime | None = None
) -> ReportSchedule:
    """Create the schedule on Amazon, then record it; the channel's live schedule of that type (which Amazon
    replaced) is marked cancelled. Refused with nothing changed: a report type we do not schedule (on
    `report_type`), a channel that is not Amazon (on `channel`), a paused channel, Amazon refusing."""
    if report_type not in SPECS:
        choices = ", ".join(SPECS)
        raise ValidationError({"report_type": f"Schedule one of {choices}; not {report_type!r}."})
    _amazon_channel(channel)
    spec = SPECS[ScheduledReportType(report_type)]
    start = first_run(spec, now or timezone.now())
    connector: Any = connector_for(channel)
    try:
        remote_id = connector.create_report_schedule(report_type, spec.period, spec.options, start)
    except Rejected as exc:
        raise ValidationError({"report_type": f"Amazon refused the schedule: {exc}"}) from exc
    except ConnectorError as exc:
        raise ApplicationError(f"{channel.name}: Amazon could not create the schedule: {exc}") from exc
    return _record(channel, report_type, spec, remote_id, start, user)


@transaction.atomic
def _record(
    channel: Channel, report_type: str, spec: ScheduleSpec, remote_id: str, start: datetime, user: Any
) -> ReportSchedule:
    ReportSchedule.objects.filter(channel=channel, report_type=report_type, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    schedule = ReportSchedule(
        channel=channel,
        report_type=report_type,
        period=spec.period,
        report_options=dict(spec.options),
        remote_id=remote_id,
        first_report_at=start,
        created_by=user if getattr(user, "pk", None) else None,
    )
    schedule.full_clean()
    schedule.save()
    return schedule


def report_schedule_cancel(*, schedule: ReportSchedule) -> ReportSchedule:
    """Cancel the schedule on Amazon and mark it cancelled (one Amazon no longer knows counts as cancelled).
    Refused with nothing changed: already cancelled, Amazon failing."""
    if not schedule.is_active:
        raise ApplicationError(f"The schedule {schedule.remote_id} was already cancelled.")
    connector: Any = connector_for(schedule.channel)
    try:
        connector.cancel_report_schedule(schedule.remote_id)
    except NotFound:
        logger.info("Report schedule %s was already gone on Amazon.", schedule.remote_id)
        schedule.is_gone_on_amazon = True
        schedule.status_message = "Amazon no longer had this schedule when we cancelled it."
    except ConnectorError as exc:
        raise ApplicationError(f"{schedule.channel.name}: Amazon could not cancel the schedule: {exc}") from exc
    with transaction.atomic():
        schedule.cancelled_at = timezone.now()
        schedule.full_clean()
        schedule.save(update_fields=["cancelled_at", "is_gone_on_amazon", "status_message"])
    return schedule


def scheduled_reports(
    connector: Any, channel: Channel, report_type: str, since: date
) -> dict[tuple[date, date], ReportStatus]:
    """The reports the channel's live schedule of `report_type` created since `since`, by their (first, last)
    day, the newest per range. Empty without a schedule, when Amazon no longer has it (it is then marked so), or
    when getReports fails (the caller then creates the reports itself, as without a schedule)."""
    schedule = ReportSchedule.objects.filter(
        channel=channel, report_type=report_type, cancelled_at__isnull=True
    ).first()
    if schedule is None or _gone_on_amazon(connector, schedule):
        return {}
    try:
        listed = connector.list_reports([report_type], created_since=datetime.combine(since, time.min, UTC))
    except ConnectorError as exc:
        logger.warning("getReports for %s on channel %s failed: %s", report_type, channel.pk, exc)
        return {}
    found: dict[tuple[date, date], ReportStatus] = {}
    for report in listed:  # newest first
        if report.schedule_id == schedule.remote_id and report.data_start and report.data_end:
            found.setdefault((report.data_start, report.data_end), report)
    return found


def _gone_on_amazon(connector: Any, schedule: ReportSchedule) -> bool:
    """Whether Amazon's list of the channel's schedules of that report (getReportSchedules) lacks `schedule`:
    cancelled in Seller Central, or replaced by another application's. Then it is marked cancelled on Amazon's
    side with a message for the page, so pulls stop waiting for its reports. A failing list call proves nothing:
    False."""
    try:
        remote = connector.get_report_schedules([schedule.report_type])
    except ConnectorError as exc:
        logger.warning("getReportSchedules on channel %s failed: %s", schedule.channel_id, exc)
        return False
    if any(r.schedule_id == schedule.remote_id for r in remote):
        return False
    now = timezone.now()
    with transaction.atomic():
        ReportSchedule.objects.filter(pk=schedule.pk, cancelled_at__isnull=True).update(
            cancelled_at=now,
            is_gone_on_amazon=True,
            status_message=(
                f"Amazon no longer has this schedule (found missing on {now:%Y-%m-%d %H:%M} UTC); pulls ask for "
                "each report again. Schedule it again to have Amazon create the reports."
            ),
        )
    logger.warning("Report schedule %s of channel %s is gone on Amazon.", schedule.remote_id, schedule.channel_id)
    return True
