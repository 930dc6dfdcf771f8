from django.contrib import admin, messages
from django.utils import timezone

from common.admin import admin_each
from common.errors import ApplicationError

from .forms import FeedForm
from .models import Backup, Feed, FeedFile, Job, JobLogLine, Notification, NotificationPreference, SystemLog
from .services.backups import backup_check_start
from .services.feeds import feed_run_start, feed_save
from .services.jobs import job_stop


@admin.register(SystemLog)
class SystemLogAdmin(admin.ModelAdmin):
    """Append-only: searchable and viewable, never added or edited here (the purge removes old rows)."""

    list_display = ["created_at", "level", "logger", "short_message", "username", "request_id", "job"]
    list_filter = ["level", "logger"]
    search_fields = ["message", "=request_id", "=job", "logger"]
    readonly_fields = [f.name for f in SystemLog._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Message")
    def short_message(self, obj: SystemLog) -> str:
        return obj.message[:120]


class JobLogLineInline(admin.TabularInline):
    model = JobLogLine
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "level", "message"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Operations jobs (maintenance, backups, restore checks); the stop action calls the same service as the page."""

    list_display = ["id", "type", "status", "stage", "processed", "total", "warning_count", "created_by", "created_at"]
    list_filter = ["type", "status"]
    search_fields = ["=id", "error", "stage"]
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [JobLogLineInline]
    actions = ["stop_jobs"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.action(description="Stop the selected jobs")
    def stop_jobs(self, request, queryset):
        admin_each(self, request, queryset, lambda job: job_stop(job=job, user=request.user))


@admin.register(Backup)
class BackupAdmin(admin.ModelAdmin):
    """Backups are written by the backup job; here they are listed and checked, not edited."""

    list_display = ["id", "file_name", "vendor", "size_bytes", "sha256", "schema_version", "created_at"]
    search_fields = ["path", "=sha256"]
    readonly_fields = [f.name for f in Backup._meta.fields]
    actions = ["check_backups"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Restore dry run (checksum and schema version) as a job")
    def check_backups(self, request, queryset):
        for backup in queryset:
            job = backup_check_start(backup=backup, user=request.user)
            self.message_user(request, f"{backup.file_name}: restore dry run queued as {job.public_id}.")


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    """Supplier feeds, saved through feed_save (mapping, cron and URL checks, the password encrypted)."""

    form = FeedForm
    list_display = ["name", "source_type", "url", "format", "schedule", "is_active", "updated_at"]
    list_filter = ["source_type", "format", "is_active"]
    search_fields = ["name", "url"]
    actions = ["run_now"]

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("upload") if "upload" in form.changed_data else None
        saved = feed_save(
            feed=Feed.objects.get(pk=obj.pk) if change else None,
            data=form.field_values(),
            password=form.password_value(),
            private_key=form.private_key_value(),
            upload=upload or None,
            user=request.user,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    @admin.action(description="Run the selected feeds now")
    def run_now(self, request, queryset):
        for feed in queryset:
            try:
                job = feed_run_start(feed=feed, user=request.user)
                self.message_user(request, f"{feed.name}: run queued as {job.public_id}.")
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)


@admin.register(FeedFile)
class FeedFileAdmin(admin.ModelAdmin):
    """Files imported by feeds, by checksum (delete one to import the same file again)."""

    list_display = ["feed", "name", "size_bytes", "sha256", "job", "import_batch_id", "created_at"]
    list_filter = ["feed"]
    search_fields = ["name", "=sha256"]
    readonly_fields = [f.name for f in FeedFile._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username", "=dedupe_key"]
    raw_id_fields = ["user"]
    actions = ["mark_read"]

    @admin.action(description="Mark read")
    def mark_read(self, request, queryset):
        count = queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
        self.message_user(request, f"{count} marked read.", messages.SUCCESS)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "channel", "digest"]
    list_filter = ["kind", "channel", "digest"]
    raw_id_fields = ["user"]
