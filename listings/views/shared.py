"""Helpers the listing pages share (the catalog's product pages use them too): the safe "next" URL, flash
messages of what started and what was refused, and the inline progress of the jobs a page started."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.roles import channel_scoped
from common.views import error_text
from syncing.models import SyncJob
from syncing.services import ChannelPublishResult

AREA = "listings"


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or default
    return target if target.startswith("/") and not target.startswith("//") else default


def flash(request: HttpRequest, done: list[str], refused: list[str]) -> None:
    for line in done:
        messages.success(request, line)
    for line in refused[:10]:
        messages.error(request, line)
    if len(refused) > 10:
        messages.error(request, f"... and {len(refused) - 10} more refused.")


def flash_publish(request: HttpRequest, results: list[ChannelPublishResult]) -> None:
    """Flash a grouped publish: the job started per channel, or why the channel refused."""
    done = [publish_started(r.channel.name, r.job, len(r.listing_ids)) for r in results if r.job]
    flash(request, done, [f"{r.channel.name}: {error_text(r.error)}" for r in results if r.error])
    jobs_watch(request, [r.job for r in results if r.job])


def publish_started(channel_name: str, job: SyncJob, chosen: int) -> str:
    """ "Publishing 58 listing(s) on Etsy: job #7 (2 skipped: paused)", with the job linked to its page."""
    skipped = chosen - len(job.listing_ids)
    return format_html(
        'Publishing {} listing(s) on {}: <a href="{}">job #{}</a>, {} skipped{}.',
        len(job.listing_ids),
        channel_name,
        reverse("syncing:job_detail", kwargs={"pk": job.pk}),
        job.pk,
        skipped,
        " (paused)" if skipped else "",
    )


# --- Live progress of the jobs a page started (docs/pages.md#publish-progress) ---

WATCH_SESSION_KEY = "watched_jobs"


def jobs_watch(request: HttpRequest, jobs: list[SyncJob]) -> None:
    """Remember the jobs just started, so that the next page shows their progress inline."""
    if jobs:
        watched = request.session.get(WATCH_SESSION_KEY, [])
        request.session[WATCH_SESSION_KEY] = [*watched, *(job.pk for job in jobs)][-10:]


def watched_jobs(request: HttpRequest) -> list[dict[str, Any]]:
    """The jobs this session just started (taken once from the session) on the user's channels, for the inline
    progress box: each with its progress JSON URL and its page."""
    ids = request.session.pop(WATCH_SESSION_KEY, [])
    if not ids:
        return []
    jobs = channel_scoped(SyncJob.objects.filter(pk__in=ids).select_related("channel"), request.user)
    return [
        {
            "job": job,
            "progress_url": reverse("syncing:job_progress", kwargs={"pk": job.pk}),
            "url": reverse("syncing:job_detail", kwargs={"pk": job.pk}),
            "active": job.is_active,
        }
        for job in jobs.defer("listing_ids").order_by("pk")
    ]


def job_watch_context(request: HttpRequest) -> dict[str, Any]:
    """`watched_jobs` for listings/_job_progress.html and `jobs_running` (publish buttons start disabled)."""
    watched = watched_jobs(request)
    return {"watched_jobs": watched, "jobs_running": any(w["active"] for w in watched)}
