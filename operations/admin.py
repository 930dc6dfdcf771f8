from django.contrib import admin

from .models import SystemLog


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
