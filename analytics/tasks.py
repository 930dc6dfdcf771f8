"""django-q2 entry points of the analytics app: each calls one service (docs/analytics.md#schedules)."""

import logging
from datetime import date

logger = logging.getLogger(__name__)


def channel_daily_stats_compute_task(channel_id: int, day: str) -> None:
    from channels.models import Channel

    from .services import channel_daily_stats_compute, pending_clear

    when = date.fromisoformat(day)
    pending_clear(channel_id=channel_id, day=when)  # before reading: a later change queues a new run
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        logger.info("Channel %s is gone; daily stats of %s not computed.", channel_id, day)
        return
    channel_daily_stats_compute(first=when, last=when, channels=[channel])


def channel_daily_stats_refresh_task() -> None:
    from .services import channel_daily_stats_refresh

    channel_daily_stats_refresh()


def channel_daily_stats_nightly_task() -> None:
    from .services import channel_daily_stats_nightly

    channel_daily_stats_nightly()


def performance_pull_task(channel_id: int, start: str, end: str) -> None:
    from channels.models import Channel

    from .services.performance import performance_pull

    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        logger.info("Channel %s is gone; performance of %s..%s not pulled.", channel_id, start, end)
        return
    if not channel.is_active:  # paused while the task waited (Pull now spaces Amazon's parts by 15 minutes)
        logger.info("Channel %s is paused; performance of %s..%s not pulled.", channel_id, start, end)
        return
    performance_pull(channel=channel, start=date.fromisoformat(start), end=date.fromisoformat(end))


def performance_pull_recent_task() -> None:
    from .services.performance import performance_pull_recent

    performance_pull_recent()


def attribution_nightly_task() -> None:
    from .services.attribution import attribution_nightly

    attribution_nightly()


def keywords_weekly_task() -> None:
    """Both keyword reports of every active Amazon channel, one after the other (docs/analytics.md#keywords)."""
    from .services.keyword_reports import keywords_weekly

    keywords_weekly()


def keywords_search_terms_weekly_task() -> None:
    from .services.keyword_reports import keywords_search_terms_weekly

    keywords_search_terms_weekly()


def keywords_query_performance_weekly_task() -> None:
    from .services.keyword_reports import keywords_query_performance_weekly

    keywords_query_performance_weekly()


def keyword_report_pull_task(channel_id: int, report: str, pull_id: int | None = None) -> None:
    """ "Pull now" of a keyword report (docs/analytics.md#keyword-reports-pull-now)."""
    from channels.models import Channel

    from .services.keyword_reports import keyword_report_pull

    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None or (not channel.is_active and pull_id is None):  # with a pull row, the service closes it
        logger.info("Channel %s is gone or paused; keyword report %s not pulled.", channel_id, report)
        return
    keyword_report_pull(channel=channel, report=report, pull_id=pull_id)


def scores_recompute_stale_task() -> None:
    """The sweep: recompute listings whose content, price or competitors changed (docs/analytics.md#listing-score)."""
    from .services.scores import scores_recompute_stale

    scores_recompute_stale()


def scores_nightly_task() -> None:
    from .services.scores import scores_nightly

    scores_nightly()
