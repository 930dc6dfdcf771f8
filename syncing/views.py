"""Staff pages of the sync history: jobs with live progress, one job, the event log with filters and export."""

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.spreadsheets import csv_row
from common.views import error_text

from .choices import ACTIVE_JOB_STATUSES, SyncJobKind
from .filters import SyncEventFilterSet, SyncJobFilterSet
from .models import SyncEvent, SyncJob
from .selectors import sync_events_retry_marked, sync_job_failed_listing_ids, sync_job_failure_groups
from .services import (
    channel_listings_pull,
    listing_discarded_push_again,
    listing_remote_refresh,
    listings_errors_repush,
    listings_publish,
    sync_event_retry,
    sync_job_cancel,
)

AREA = "sync"
EXPORT_MAX_ROWS = 50_000


def progress_tone(job: SyncJob) -> str:
    """The progress bar's colour: amber while a job with failures runs, red once it ended with failures."""
    if not job.failed:
        return ""
    return "warning" if job.is_active else "failed"


def job_progress(job: SyncJob) -> dict[str, Any]:
    """What the progress bar shows; also the JSON the page polls."""
    return {
        "tone": progress_tone(job),
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "percent": job.progress_percent,
        "total": job.total,
        "processed": job.processed,
        "succeeded": job.succeeded,
        "failed": job.failed,
        "skipped": job.skipped,
        "done": not job.is_active,
        "label": " · ".join(
            [
                f"{job.processed}/{job.total} done · {job.succeeded} ok · {job.failed} failed · {job.skipped} skipped",
                *job.interruption_notes,
            ]
        ),
    }


class SyncJobListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "syncing/job_list.html"
    context_object_name = "jobs"

    def get_queryset(self):
        queryset = channel_scoped(SyncJob.objects.select_related("channel", "created_by"), self.request.user)
        queryset = queryset.defer("listing_ids")
        if self.request.GET.get("active"):
            queryset = queryset.filter(status__in=ACTIVE_JOB_STATUSES)
        self.filterset = SyncJobFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filterset.qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        return context


class SyncJobDetailView(StaffReadMixin, DetailView):
    template_name = "syncing/job_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return channel_scoped(SyncJob.objects.select_related("channel", "created_by"), self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.object
        context["progress"] = job_progress(job)
        context["events"] = sync_events_retry_marked(
            list(
                SyncEvent.objects.filter(job=job)
                .select_related("channel", "listing", "listing__product", "listing__variant")
                .order_by("-created_at", "-id")[:100]
            )
        )
        context["can_edit"] = can_edit(self.request.user, AREA)
        context["failure_groups"] = sync_job_failure_groups(job=job) if job.failed else []
        context["can_retry_failed"] = job.kind == SyncJobKind.PUSH and not job.is_active and job.failed > 0
        return context


class SyncJobRetryFailedView(StaffWriteMixin, View):
    """ "Retry all failed after fixing": one new push job for the listings whose final outcome here failed."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(channel_scoped(SyncJob.objects.select_related("channel"), request.user), pk=pk)
        try:
            if job.kind != SyncJobKind.PUSH or job.is_active:
                raise ApplicationError("Only a finished publish job's failures can be retried together.")
            ids = sync_job_failed_listing_ids(job=job)
            if not ids:
                raise ApplicationError("Nothing to retry: no listing of this job failed.")
            retry = listings_publish(
                channel=job.channel, listing_ids=ids, user=request.user, message=f"Retry of the failures of job #{pk}."
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            return redirect("syncing:job_detail", pk=pk)
        messages.success(request, f"Retrying {len(ids)} failed listing(s) as job #{retry.pk}.")
        return redirect("syncing:job_detail", pk=retry.pk)


class SyncJobProgressView(StaffReadMixin, View):
    """JSON for the polling progress bar."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(channel_scoped(SyncJob.objects.defer("listing_ids"), request.user), pk=pk)
        return JsonResponse(job_progress(job))


class SyncJobCancelView(StaffWriteMixin, View):
    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(channel_scoped(SyncJob.objects.all(), request.user), pk=pk)
        try:
            sync_job_cancel(job=job, user=request.user)
            messages.success(request, f"Job #{job.pk} cancelled; work already sent to the marketplace stays.")
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return redirect("syncing:job_detail", pk=pk)


class SyncEventListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "syncing/event_list.html"
    context_object_name = "events"

    def get_queryset(self):
        queryset = SyncEvent.objects.select_related("channel", "listing", "listing__product", "job")
        queryset = channel_scoped(queryset, self.request.user)
        self.filterset = SyncEventFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filterset.qs.order_by("-created_at", "-id")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        if request.GET.get("export") == "csv":
            return events_csv(self.get_queryset())  # type: ignore[return-value]
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = can_edit(self.request.user, AREA)
        context["events"] = sync_events_retry_marked(list(context["events"]))
        return context


class _Echo:
    def write(self, value: str) -> str:
        return value


def events_csv(queryset) -> StreamingHttpResponse:
    """Stream the filtered events (at most EXPORT_MAX_ROWS) as CSV."""
    header = ["time", "channel", "sku", "operation", "outcome", "attempt", "http_status", "error_kind"]
    header += ["error_code", "message", "job", "listing", "request_id", "duration_ms"]
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(header)
        for e in queryset[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
            sku = e.listing.product.sku if e.listing_id and e.listing else ""
            values = [e.created_at.isoformat(), e.channel.name, sku, e.operation, e.outcome, e.attempt]
            values += [e.http_status, e.error_kind, e.error_code, e.message, e.job_id, e.listing_id]
            yield writer.writerow(csv_row([*values, e.request_id, e.duration_ms]))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="sync-events-{stamp}.csv"'
    return response


class SyncEventRetryView(StaffWriteMixin, View):
    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = get_object_or_404(channel_scoped(SyncEvent.objects.all(), request.user), pk=pk)
        try:
            job = sync_event_retry(event=event, user=request.user)
            messages.success(request, f"Retrying as job #{job.pk}.")
            return redirect("syncing:job_detail", pk=job.pk)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return redirect("syncing:event_list")


# --- Pull now, refresh a listing, push a discarded value again (docs/sync.md#pull-and-drift) ---


class _ChannelSyncActionView(StaffWriteMixin, View):
    """A button on the channel page that starts one job on a channel the user may use (404 otherwise)."""

    required_area = AREA
    http_method_names = ["post"]

    def act(self, request: HttpRequest, channel: Any) -> tuple[SyncJob, str]:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from channels.models import Channel

        channel = get_object_or_404(channel_scoped(Channel.objects.all(), request.user, "pk"), pk=pk)
        try:
            job, done = self.act(request, channel)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            return redirect("channels:channel_detail", pk=pk)
        messages.success(request, f"{done} (job #{job.pk}).")
        return redirect("syncing:job_detail", pk=job.pk)


class ChannelPullView(_ChannelSyncActionView):
    """ "Pull now" on the channel page: an incremental pull, or a full one when `full` is ticked."""

    def act(self, request: HttpRequest, channel: Any) -> tuple[SyncJob, str]:
        job = channel_listings_pull(channel=channel, user=request.user, full=bool(request.POST.get("full")))
        return job, f"Pulling {channel.name} from the marketplace"


class ChannelRetryErrorsView(_ChannelSyncActionView):
    """ "Retry errors of this channel" on the channel page: one push of the channel's listings in error
    (docs/sync.md#failures-grouped-by-cause)."""

    def act(self, request: HttpRequest, channel: Any) -> tuple[SyncJob, str]:
        job = listings_errors_repush(channel=channel, user=request.user)
        return job, f"Retrying the listings in error on {channel.name}"


class _ListingSyncActionView(StaffWriteMixin, View):
    required_area = "listings"
    http_method_names = ["post"]

    def act(self, request: HttpRequest, listing: Any) -> SyncJob:
        raise NotImplementedError

    done = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from listings.models import Listing

        listing = get_object_or_404(channel_scoped(Listing.objects.all(), request.user), pk=pk)
        try:
            job = self.act(request, listing)
            messages.success(request, f"{self.done} (job #{job.pk}).")
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return redirect("listings:listing_detail", pk=pk)


class ListingRefreshView(_ListingSyncActionView):
    """ "Refresh from marketplace" on the listing page."""

    done = "Reading the listing back from the marketplace"

    def act(self, request: HttpRequest, listing: Any) -> SyncJob:
        return listing_remote_refresh(listing=listing, user=request.user)


class ListingPushAgainView(_ListingSyncActionView):
    """ "Push my value again" for the local change a pull discarded."""

    done = "Pushing your value again"

    def act(self, request: HttpRequest, listing: Any) -> SyncJob:
        return listing_discarded_push_again(listing=listing, user=request.user)
