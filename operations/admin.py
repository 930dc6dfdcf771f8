from django.contrib import admin, messages

from common.errors import ApplicationError

from .models import Backup, Job, JobLogLine, SystemLog
from .services.backups import backup_check_start
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
        for job in queryset:
            try:
                job_stop(job=job, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)


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
