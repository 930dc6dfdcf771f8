"""Django Admin of stages and tasks: saves and deletes go through workflow.services."""

from django.contrib import admin

from inventory.cost_admin import ServiceAdmin

from . import rule_services, services
from .models import AutomationRule, RuleEvaluation, Stage, Task


@admin.register(Stage)
class StageAdmin(ServiceAdmin):
    create, update, delete = services.stage_create, services.stage_update, services.stage_delete
    instance_kwarg = "stage"
    service_fields = services.STAGE_FIELDS
    list_display = ("name", "sort_order", "color", "is_default", "is_terminal", "wip_limit")
    list_editable = ()
    ordering = ("sort_order", "id")


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    create, update, delete = services.task_create, services.task_update, services.task_delete
    instance_kwarg = "task"
    service_fields = (*services.TASK_FIELDS, "stage", "listings")
    list_display = ("title", "task_type", "stage", "position", "assignee", "priority_score", "due_date", "completed_at")
    list_filter = ("stage", "task_type", "created_by_kind")
    list_select_related = ("stage", "assignee")
    search_fields = ("title", "description")
    raw_id_fields = ("listing", "listings")
    readonly_fields = ("position", "priority_score", "created_by_kind", "source_rule", "alert", "completed_at")
    fields = (
        "title", "description", "task_type", "stage", "assignee", "listing", "listings", "impact_score",
        "ease_score", "urgency_score", "priority_score", "due_date", "scheduled_for", "outcome", "tags",
        "position", "created_by_kind", "source_rule", "alert", "completed_at",
    )  # fmt: skip

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        """The service already linked the listings."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(AutomationRule)
class AutomationRuleAdmin(ServiceAdmin):
    create = rule_services.automation_rule_create
    update = rule_services.automation_rule_update
    delete = rule_services.automation_rule_delete
    instance_kwarg = "rule"
    service_fields = rule_services.RULE_FIELDS
    list_display = ("name", "trigger_type", "action_type", "is_active", "dry_run", "trigger_count", "last_triggered_at")
    list_filter = ("trigger_type", "action_type", "is_active", "dry_run")
    list_editable = ()
    search_fields = ("name", "description")
    readonly_fields = (
        "consecutive_errors", "disabled_reason", "last_triggered_at", "last_evaluated_at", "trigger_count",
    )  # fmt: skip


@admin.register(RuleEvaluation)
class RuleEvaluationAdmin(admin.ModelAdmin):
    """The log is written by the rules only: read it here."""

    list_display = ("created_at", "rule", "listing", "outcome", "dry_run", "trigger", "cascade_depth")
    list_filter = ("outcome", "dry_run", "rule")
    list_select_related = ("rule", "listing")
    raw_id_fields = ("listing",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
