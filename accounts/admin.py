from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import (
    ApiToken,
    AuditEntry,
    RuntimeSetting,
    SettingsVersion,
    UserProfile,
    UserSession,
    WorkerHeartbeat,
)
from accounts.services import token_revoke, user_session_end
from accounts.setting_services import runtime_setting_set, runtime_setting_validate
from accounts.setting_values import value_display
from common.errors import ApplicationError


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: audit entries are never added, changed or deleted by hand."""

    list_display = ["created_at", "actor_kind", "actor_label", "content_type", "object_id", "object_repr", "action"]
    list_filter = ["action", "actor_kind", "content_type"]
    search_fields = ["object_repr", "actor_label", "object_id", "request_id"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "ip_address", "user_agent", "created_at", "last_seen_at", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    search_fields = ["user__username", "ip_address"]
    readonly_fields = [f.name for f in UserSession._meta.fields]
    exclude = ["session_key"]
    actions = ["end_sessions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="End the selected sessions")
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[UserSession]) -> None:
        try:
            for record in queryset:
                user_session_end(user_session=record, user=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created on the user's security page (the key is shown once there), never here."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            token_revoke(token=token, user=request.user)


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "allowed_channel_ids"]
    search_fields = ["user__username"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]


class RuntimeSettingAdminForm(forms.ModelForm):
    new_value = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Leave empty to keep the current value. JSON for JSON settings; a secret is never shown.",
    )
    reset = forms.BooleanField(required=False, help_text="Back to the default.")

    class Meta:
        model = RuntimeSetting
        fields = ["description", "category"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_value"):
            try:
                runtime_setting_validate(setting=self.instance, raw_value=data["new_value"])
            except ValidationError as exc:
                self.add_error("new_value", exc.message_dict.get("value", exc.messages))
        return data


@admin.register(RuntimeSetting)
class RuntimeSettingAdmin(admin.ModelAdmin):
    """Values change through the same service as the settings page (typed, checked, audited)."""

    form = RuntimeSettingAdminForm
    list_display = ("key", "category", "data_type", "shown_value", "updated_at", "updated_by")
    list_filter = ("category", "data_type")
    search_fields = ("key", "description")
    readonly_fields = ("key", "data_type", "shown_value", "default_value", "is_required", "validation_regex")

    @admin.display(description="value")
    def shown_value(self, obj: RuntimeSetting) -> Any:
        return value_display(obj.data_type, obj.value)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # settings come with the code (a migration per new key)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RuntimeSetting, form: Any, change: bool) -> None:
        RuntimeSetting.objects.filter(pk=obj.pk).update(description=obj.description, category=obj.category)
        if form.cleaned_data.get("reset"):
            runtime_setting_set(key=obj.key, raw_value=None, user=request.user)
        elif form.cleaned_data.get("new_value"):
            runtime_setting_set(key=obj.key, raw_value=form.cleaned_data["new_value"], user=request.user)


@admin.register(SettingsVersion)
class SettingsVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "value")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
