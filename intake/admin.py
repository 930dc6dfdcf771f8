from django.contrib import admin, messages

from common.errors import ApplicationError

from .models import IntakeItem, IntakeLog, IntakePhase, IntakePhoto
from .services import intake_start, intake_stop


class IntakePhotoInline(admin.TabularInline):
    model = IntakePhoto
    extra = 0
    fields = ("position", "original_filename", "width", "height", "verdict", "retake_reasons")
    readonly_fields = fields
    can_delete = False


class IntakePhaseInline(admin.TabularInline):
    model = IntakePhase
    extra = 0
    fields = ("phase", "status", "retry_count", "engine_version", "duration_ms", "error_message")
    readonly_fields = fields
    can_delete = False


@admin.register(IntakeItem)
class IntakeItemAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "status", "current_phase", "confidence", "requires_review", "is_running", "product")
    list_filter = ("status", "requires_review", "is_running")
    search_fields = ("hint_name", "hint_model", "owner__username")
    readonly_fields = (
        "owner",
        "status",
        "current_phase",
        "confidence",
        "requires_review",
        "is_running",
        "error_message",
        "product",
        "fields",
        "created_at",
        "updated_at",
    )
    inlines = [IntakePhotoInline, IntakePhaseInline]
    actions = ["start_selected", "stop_selected"]

    def has_add_permission(self, request):
        return False  # items are created from photos: the upload page or the API

    def _each(self, request, queryset, service, verb):
        done = 0
        for item in queryset:
            try:
                service(item=item, user=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} item(s).", messages.SUCCESS)

    @admin.action(description="Start the next phase")
    def start_selected(self, request, queryset):
        self._each(request, queryset, intake_start, "Started")

    @admin.action(description="Stop the running phase")
    def stop_selected(self, request, queryset):
        self._each(request, queryset, intake_stop, "Stopped")


@admin.register(IntakeLog)
class IntakeLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "item", "phase", "level", "action", "message")
    list_filter = ("level", "phase", "action")
    search_fields = ("message",)
    readonly_fields = ("item", "phase", "level", "message", "details", "action", "user", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IntakePhase)
class IntakePhaseAdmin(admin.ModelAdmin):
    list_display = ("item", "phase", "status", "retry_count", "engine", "duration_ms", "finished_at")
    list_filter = ("phase", "status")
    readonly_fields = [f.name for f in IntakePhase._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(IntakePhoto)
class IntakePhotoAdmin(admin.ModelAdmin):
    list_display = ("item", "position", "original_filename", "width", "height", "verdict")
    list_filter = ("verdict",)
    readonly_fields = [f.name for f in IntakePhoto._meta.fields]

    def has_add_permission(self, request):
        return False
