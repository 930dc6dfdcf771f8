"""Cross-app operational pages: the dashboard, the health probe, the system log and the error page."""

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET
from django.views.generic import ListView, TemplateView

from accounts.mixins import RoleRequiredMixin, StaffReadMixin, StaffWriteMixin
from analytics.reports import charts_cached
from catalog.selectors import catalog_counts
from common.errors import ApplicationError
from common.logging import request_id_var
from common.pagination import PagedListMixin
from common.views import error_text
from operations.attention import needs_attention
from operations.choices import JobType
from operations.dashboard import channel_status_matrix, sync_chart, sync_counts
from operations.dbstats import slow_queries, table_stats
from operations.filters import SystemLogFilterSet
from operations.forms import FeedForm, JobFilterForm, MaintenanceForm
from operations.health import health_report
from operations.job_sources import JobList, JobRecord, LogLine, job_get
from operations.models import Backup, Feed, Job, SystemLog
from operations.services.backups import backup_check_start, backup_start
from operations.services.feeds import feed_preview, feed_run_start, feed_runs, feed_save
from operations.services.jobs import job_stop_any
from operations.services.maintenance import maintenance_start

logger = logging.getLogger(__name__)

CHART_DAYS = 14


class AdminPageMixin(RoleRequiredMixin):
    """Operations pages show internals (log messages, stack traces, tables): the admin role only."""

    required_area = "admin"
    write = True


class DashboardView(StaffReadMixin, TemplateView):
    """Counts, the channel x status matrix and 14 days of sync outcomes per channel."""

    template_name = "operations/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["counts"] = catalog_counts()
        user = self.request.user
        context["matrix"] = channel_status_matrix(user)
        context["sync"] = sync_counts(user)
        context["charts"] = sync_chart(days=CHART_DAYS, user=user)
        context["chart_days"] = CHART_DAYS
        context["sales_charts"] = charts_cached(user)  # docs/analytics.md#the-dashboard-chart
        context["attention"] = needs_attention(user)  # templates/operations/_needs_attention.html
        return context


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """GET /healthz: 200 when every check passes, 503 otherwise (for load balancers); no login needed."""
    healthy, results = health_report()
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": results}, status=200 if healthy else 503)


class HealthView(AdminPageMixin, TemplateView):
    """The /healthz checks as a page, with the figures each check reports."""

    template_name = "operations/health.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        healthy, results = health_report()
        context.update(healthy=healthy, checks=results)
        return context


# --- System log ---


class SystemLogListView(AdminPageMixin, PagedListMixin, ListView):
    """Search the stored log records: level and above, logger, text, request id, job, time."""

    paginate_by = 50
    template_name = "operations/systemlog_list.html"
    context_object_name = "records"

    def get_queryset(self):
        queryset = SystemLog.objects.order_by("-created_at", "-id")
        self.filterset = SystemLogFilterSet(self.request.GET or None, queryset=queryset)
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        return context


# --- Jobs ---


def job_progress(record: JobRecord, log: list[LogLine]) -> dict[str, Any]:
    """What the job page polls: the progress bar's fields (static/js/app.js) and the log (static/js/jobs.js)."""
    return {
        "id": record.id,
        "status": record.status,
        "status_label": record.status_label,
        "stage": record.stage,
        "percent": record.percent,
        "done": not record.is_active,
        "label": (
            f"{record.processed}/{record.total} · read {record.read_count} · written {record.write_count}"
            f" · skipped {record.skip_count} · warnings {record.warning_count}"
        ),
        "log": [f"{line.level_name.upper():8} {line.message}" for line in log[-500:]],
    }


def _job_or_404(request: HttpRequest, public_id: str) -> tuple[JobRecord, list[LogLine]]:
    found = job_get(public_id, user=request.user)
    if found is None:
        raise Http404(f"There is no job {public_id}.")
    return found


class JobListView(StaffReadMixin, TemplateView):
    """Every long task in one list (operations jobs, sync jobs, imports) with filters and live progress."""

    template_name = "operations/job_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = JobFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        jobs: Any = JobList(user=self.request.user, filters=filters)
        paginator = Paginator(jobs, self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(form=form, page_obj=page, paginator=paginator, jobs=page.object_list)
        return context


class JobDetailView(StaffReadMixin, TemplateView):
    template_name = "operations/job_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        record, log = _job_or_404(self.request, kwargs["public_id"])
        context.update(job=record, log=log, progress=job_progress(record, log))
        return context


class JobProgressView(StaffReadMixin, View):
    def get(self, request: HttpRequest, public_id: str) -> HttpResponse:
        return JsonResponse(job_progress(*_job_or_404(request, public_id)))


class JobStopView(StaffWriteMixin, View):
    """Stop button: operations jobs need the admin role, sync jobs the sync edit right (checked by the service)."""

    required_area = "sync"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, public_id: str) -> HttpResponse:
        _job_or_404(request, public_id)
        try:
            job_stop_any(public_id=public_id, user=request.user)
            messages.success(request, f"Stop requested for {public_id}: it stops after its current step.")
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            messages.error(request, str(exc) if isinstance(exc, PermissionDenied) else error_text(exc))
        return redirect("operations:job_detail", public_id=public_id)


# --- Tables and maintenance ---


class TableStatsView(AdminPageMixin, TemplateView):
    template_name = "operations/tables.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(stats=table_stats(), slow=slow_queries(), form=MaintenanceForm())
        return context


class MaintenanceStartView(AdminPageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = MaintenanceForm(request.POST)
        form.is_valid()
        try:
            job = maintenance_start(
                vacuum=form.cleaned_data.get("vacuum", False),
                analyze=form.cleaned_data.get("analyze", False),
                user=request.user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("operations:tables")
        messages.success(request, f"Maintenance queued as {job.public_id}.")
        return redirect("operations:job_detail", public_id=job.public_id)


# --- Backups ---


class BackupListView(AdminPageMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "operations/backup_list.html"
    context_object_name = "backups"

    def get_queryset(self):
        return Backup.objects.select_related("job").order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            backup_dir=settings.BACKUP_DIR,
            keep=settings.BACKUP_KEEP,
            interval=settings.BACKUP_INTERVAL_MINUTES,
            last_jobs=Job.objects.filter(type__in=[JobType.BACKUP, JobType.RESTORE_CHECK])[:10],
        )
        return context


class BackupStartView(AdminPageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        job = backup_start(user=request.user)
        messages.success(request, f"Backup queued as {job.public_id}.")
        return redirect("operations:job_detail", public_id=job.public_id)


class BackupCheckView(AdminPageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        backup = get_object_or_404(Backup, pk=pk)
        job = backup_check_start(backup=backup, user=request.user)
        messages.success(request, f"Restore dry run of {backup.file_name} queued as {job.public_id}.")
        return redirect("operations:job_detail", public_id=job.public_id)


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the error page with the request id, which leads an admin to the system log records of it.

    Renders without a RequestContext (no context processors, no database): whatever broke must not break this.
    """
    request_id = getattr(request, "request_id", "") or request_id_var.get()
    template = loader.get_template(template_name)
    return HttpResponse(template.render({"request_id": "" if request_id == "-" else request_id}), status=500)


# --- Supplier feeds ---


class FeedListView(AdminPageMixin, TemplateView):
    template_name = "operations/feed_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        feeds = list(Feed.objects.order_by("name"))
        last = {run.parameters.get("feed"): run for run in feed_runs(limit=500) if run.parameters.get("feed")}
        context["rows"] = [(feed, last.get(feed.pk)) for feed in feeds]
        return context


class FeedFormView(AdminPageMixin, View):
    """Create or edit a feed. The Preview button runs the mapping over the first 20 rows of the source's first
    file with what is typed in the form (nothing saved); Save saves through feed_save."""

    template_name = "operations/feed_form.html"

    def _feed(self, pk: int | None) -> Feed | None:
        return get_object_or_404(Feed, pk=pk) if pk else None

    def _render(self, request: HttpRequest, form: FeedForm, feed: Feed | None, **extra: Any) -> HttpResponse:
        context = {"form": form, "feed": feed, "runs": feed_runs(feed=feed) if feed else [], **extra}
        return render(request, self.template_name, context, status=400 if form.errors else 200)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        feed = self._feed(pk)
        initial = {} if feed else {"mapping": {"sku": {"from": ""}}, "format": "csv", "is_active": True}
        return self._render(request, FeedForm(instance=feed, initial=initial), feed)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        feed = self._feed(pk)
        form = FeedForm(request.POST, request.FILES, instance=self._feed(pk))
        if not form.is_valid():
            return self._render(request, form, feed)
        upload = request.FILES.get("upload")
        if "preview" in request.POST:
            try:
                preview = feed_preview(
                    feed=form.instance,
                    password=form.password_value(),
                    upload=upload,
                    private_key=form.private_key_value(),
                )
            except ApplicationError as exc:
                return self._render(request, form, feed, preview_error=exc.message)
            return self._render(request, form, feed, preview=preview)
        try:
            saved = feed_save(
                feed=feed,
                data=form.field_values(),
                password=form.password_value(),
                private_key=form.private_key_value(),
                upload=upload,
                user=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self._render(request, form, feed)
        messages.success(request, f"Feed '{saved.name}' saved.")
        return redirect("operations:feed_edit", pk=saved.pk)


class FeedRunView(AdminPageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        feed = get_object_or_404(Feed, pk=pk)
        try:
            job = feed_run_start(feed=feed, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("operations:feed_edit", pk=feed.pk)
        messages.success(request, f"Run of '{feed.name}' queued as {job.public_id}.")
        return redirect("operations:job_detail", public_id=job.public_id)
