"""Automation rule pages (docs/automation.md): the rule list, the editor with a help panel of the rule language,
and the rule page with its settings, status, next cron run, evaluation log and a dry run that saves nothing."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import allowed_channel_ids, can_edit
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.views import add_service_errors, error_text
from listings.models import Listing

from . import rule_services
from .choices import ActionType, EvaluationOutcome, TriggerType
from .models import AutomationRule
from .rule_config import (
    ALERT_SEVERITIES,
    COMPETITIVE_EVENTS,
    CONDITION_FIELDS,
    CONDITION_OPERATORS,
    CONTENT_TEMPLATE_FIELDS,
    EVENT_TYPES,
    METRICS,
    PRICE_CHANGE_TYPES,
    TEMPLATE_NAMES,
    THRESHOLD_OPERATORS,
)
from .rule_forms import AutomationRuleForm, DryRunForm
from .rule_selectors import evaluation_list, rule_list

AREA = "listings"
DRY_RUN_ROWS = 200  # decisions shown after a dry run (the ones that would act first); the counts cover all

# One example rule per trigger type (docs/automation.md#triggers); the editor offers each as a starting point.
RULE_EXAMPLES: dict[str, dict[str, Any]] = {
    TriggerType.THRESHOLD: {
        "name": "Low score on Amazon",
        "description": "A task to improve each Amazon listing whose score falls below 70.",
        "trigger_config": {"metric": "score", "operator": "lt", "value": 70},
        "conditions": [{"field": "channel.marketplace", "operator": "eq", "value": "amazon"}],
        "action_type": ActionType.CREATE_TASK,
        "action_config": {"title_template": "Improve {sku} on {channel} (score {value})", "task_type": "optimization"},
    },
    TriggerType.COMPETITIVE: {
        "name": "Follow a competitor's price drop",
        "description": (
            "Lower our price by 3 % (through the price guards) when a competitor drops theirs by 5 % or more."
        ),
        "trigger_config": {"event": "competitor_price_drop", "threshold_pct": 5},
        "conditions": [{"field": "listing.status", "operator": "eq", "value": "live"}],
        "action_type": ActionType.UPDATE_PRICE,
        "action_config": {"change_type": "percentage", "value": -3},
    },
    TriggerType.TIME_BASED: {
        "name": "Monday check of listings in error",
        "description": "Every Monday at 09:00, an alert for each listing still in error.",
        "trigger_config": {"cron": "0 9 * * 1"},
        "conditions": [{"field": "listing.status", "operator": "eq", "value": "error"}],
        "action_type": ActionType.SEND_ALERT,
        "action_config": {"message": "{sku} on {channel} is still in error", "severity": "high"},
    },
    TriggerType.EVENT: {
        "name": "Check clearance prices after a push",
        "description": "A pricing task for each listing tagged clearance whose push to the marketplace succeeded.",
        "trigger_config": {"event_type": "listing.synced"},
        "conditions": [{"field": "listing.tags", "operator": "contains", "value": "clearance"}],
        "action_type": ActionType.CREATE_TASK,
        "action_config": {"title_template": "Check the clearance price of {sku} on {channel}", "task_type": "pricing"},
    },
}
OUTCOME_BADGES: dict[str, str] = {
    EvaluationOutcome.MATCHED: "status-ok",
    EvaluationOutcome.NOT_MATCHED: "status-draft",
    EvaluationOutcome.PENDING: "status-pending",
    EvaluationOutcome.SKIPPED_COOLDOWN: "status-warning",
    EvaluationOutcome.SKIPPED_CAP: "status-warning",
    EvaluationOutcome.SKIPPED_LOOP: "status-warning",
    EvaluationOutcome.ERROR: "status-error",
}
# Dry run rows: what would act first, what did not match last.
OUTCOME_ORDER = {outcome: n for n, outcome in enumerate(OUTCOME_BADGES)}
OUTCOME_ORDER[EvaluationOutcome.NOT_MATCHED] = len(OUTCOME_BADGES)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if value not in (None, "", {}, []) else ""


def rule_status(rule: AutomationRule) -> tuple[str, str]:
    """The rule's state as a badge: (label, css class)."""
    if not rule.is_active:
        return ("Disabled", "status-error") if rule.disabled_reason else ("Off", "status-paused")
    if rule.dry_run:
        return "Dry run", "status-warning"
    return "Active", "status-active"


def _help_context() -> dict[str, Any]:
    """The rule language for the editor's help panel (workflow/rule_config.py)."""
    examples = [
        {
            "trigger_type": trigger_type,
            "label": TriggerType(trigger_type).label,
            "name": example["name"],
            "description": example["description"],
            "action_type": example["action_type"],
            "trigger_config": json.dumps(example["trigger_config"]),
            "conditions": json.dumps(example["conditions"]),
            "action_config": json.dumps(example["action_config"], ensure_ascii=False),
        }
        for trigger_type, example in RULE_EXAMPLES.items()
    ]
    return {
        "event_types": EVENT_TYPES.items(),
        "metrics": METRICS.items(),
        "threshold_operators": THRESHOLD_OPERATORS,
        "competitive_events": COMPETITIVE_EVENTS.items(),
        "condition_fields": CONDITION_FIELDS.items(),
        "condition_operators": CONDITION_OPERATORS,
        "template_names": TEMPLATE_NAMES.items(),
        "content_fields": CONTENT_TEMPLATE_FIELDS,
        "price_change_types": PRICE_CHANGE_TYPES,
        "alert_severities": ALERT_SEVERITIES,
        "action_types": ActionType.choices,
        "examples": examples,
    }


class RuleListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "workflow/rule_list.html"
    context_object_name = "rules"

    def get_queryset(self) -> Any:
        return rule_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(can_edit=can_edit(self.request.user, AREA), **kwargs)
        for rule in context["rules"]:
            rule.status_label, rule.status_class = rule_status(rule)
        return context


class RuleEditView(StaffWriteMixin, View):
    """GET shows the editor (a new rule may start from an example: ?example=<trigger type>); POST saves through
    the services, which validate the whole rule: their refusals appear next to the fields they name."""

    required_area = AREA
    template_name = "workflow/rule_form.html"

    def _render(self, form: AutomationRuleForm, rule: AutomationRule | None, status: int = 200) -> HttpResponse:
        context = {"form": form, "rule": rule, **_help_context()}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rule = get_object_or_404(AutomationRule, pk=pk) if pk else None
        example = RULE_EXAMPLES.get(request.GET.get("example", "")) if rule is None else None
        initial = {"trigger_type": request.GET["example"], **example} if example else None
        return self._render(AutomationRuleForm(instance=rule, initial=initial), rule)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rule = get_object_or_404(AutomationRule, pk=pk) if pk else None
        form = AutomationRuleForm(request.POST, instance=rule)
        if form.is_valid():
            try:
                if rule is None:
                    rule = rule_services.automation_rule_create(user=request.user, **form.service_fields())
                    messages.success(request, f"Rule “{rule.name}” created.")
                else:
                    rule = rule_services.automation_rule_update(rule=rule, user=request.user, **form.service_fields())
                    messages.success(request, f"Rule “{rule.name}” saved.")
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                return redirect("workflow:rule_detail", pk=rule.pk)
        if rule is not None:
            rule.refresh_from_db()  # the service set the refused values on it before validating
        return self._render(form, rule, status=400)


class RuleDetailView(StaffReadMixin, PagedListMixin, ListView):
    """The rule's settings and status, and its evaluation log (newest first, paged, `?outcome=` filters)."""

    paginate_by = 50
    template_name = "workflow/rule_detail.html"
    context_object_name = "evaluations"
    decisions: list[rule_services.Decision] | None = None
    dry_run_form: DryRunForm | None = None

    def get_rule(self) -> AutomationRule:
        if not hasattr(self, "rule"):
            self.rule = get_object_or_404(AutomationRule, pk=self.kwargs["pk"])
        return self.rule

    def outcome(self) -> str:
        wanted = self.request.GET.get("outcome", "")
        return wanted if wanted in EvaluationOutcome.values else ""

    def get_queryset(self) -> Any:
        rows = evaluation_list(self.get_rule())
        channels = allowed_channel_ids(self.request.user)
        if channels is not None:
            rows = rows.filter(Q(listing__isnull=True) | Q(listing__channel_id__in=sorted(channels)))
        if self.outcome():
            rows = rows.filter(outcome=self.outcome())
        return rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rule = self.get_rule()
        context = super().get_context_data(**kwargs)
        for row in context["evaluations"]:
            row.badge = OUTCOME_BADGES.get(row.outcome, "")
            row.action_text = _json_text(row.action_result)
            row.inputs_text = _json_text(row.inputs)
        label, css = rule_status(rule)
        try:
            next_run = rule_services.rule_next_run(rule)
        except (ValueError, KeyError, TypeError):  # a cron saved before validation existed: say so, do not fail
            next_run = None
        context.update(
            rule=rule,
            status_label=label,
            status_class=css,
            next_run=next_run,
            trigger_config=json.dumps(rule.trigger_config, indent=2, ensure_ascii=False),
            conditions=json.dumps(rule.conditions, indent=2, ensure_ascii=False),
            action_config=json.dumps(rule.action_config, indent=2, ensure_ascii=False),
            outcomes=EvaluationOutcome.choices,
            outcome=self.outcome(),
            can_edit=can_edit(self.request.user, AREA),
            dry_run_form=self.dry_run_form or DryRunForm(),
            **self._dry_run_context(),
        )
        return context

    def _dry_run_context(self) -> dict[str, Any]:
        if self.decisions is None:
            return {"decisions": None}
        decisions = sorted(self.decisions, key=lambda d: (OUTCOME_ORDER.get(d.outcome, 99), d.listing_id or 0))
        shown = decisions[:DRY_RUN_ROWS]
        listings = Listing.objects.select_related("product", "variant", "channel").in_bulk(
            [d.listing_id for d in shown if d.listing_id is not None]
        )
        counts: dict[str, int] = {}
        for decision in decisions:
            counts[decision.outcome] = counts.get(decision.outcome, 0) + 1
        labels = dict(EvaluationOutcome.choices)
        rows = [
            {
                "listing_id": d.listing_id,
                "listing": listings.get(d.listing_id) if d.listing_id is not None else None,
                "outcome": d.outcome,
                "outcome_label": labels.get(d.outcome, d.outcome),
                "badge": OUTCOME_BADGES.get(d.outcome, ""),
                "detail": d.detail,
                "action": _json_text(d.action),
                "inputs": _json_text(d.inputs),
            }
            for d in shown
        ]
        return {
            "decisions": rows,
            "decision_total": len(decisions),
            "decision_counts": [(labels.get(k, k), OUTCOME_BADGES.get(k, ""), n) for k, n in counts.items()],
            "would_fire": counts.get(EvaluationOutcome.MATCHED, 0),
            "dry_run_cap": DRY_RUN_ROWS,
            "dry_run_total": getattr(self, "dry_run_total", len(decisions)),
            "dry_run_max": rule_services.DRY_RUN_MAX_LISTINGS,
        }


class RuleDryRunView(RuleDetailView):
    """POST: decide as the real run would, on every listing the user can see (or the ones given), and show the
    decisions on the rule page; nothing is saved, no evaluation is logged (docs/automation.md#dry-run)."""

    required_area = AREA  # a POST needs the edit right (accounts.mixins.RoleRequiredMixin)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        query = f"?{request.GET.urlencode()}" if request.GET else ""  # the log's filter and pages after a dry run
        return redirect(reverse("workflow:rule_detail", args=[self.kwargs["pk"]]) + query)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rule = self.get_rule()
        form = DryRunForm(request.POST)
        self.dry_run_form = form
        if not form.is_valid():
            messages.error(request, error_text(ValidationError(_form_errors(form))))
            return self._page(status=400)
        channels = allowed_channel_ids(request.user)
        wanted = [listing.pk for listing in form.cleaned_data["listings"]] or None
        if channels is not None:
            visible = Listing.objects.filter(channel_id__in=sorted(channels))
            if wanted is not None:
                hidden = sorted(set(wanted) - set(visible.filter(pk__in=wanted).values_list("pk", flat=True)))
                if hidden:
                    form.add_error("listings", f"Unknown listing id(s): {', '.join(map(str, hidden))}.")
                    messages.error(request, f"Unknown listing id(s): {', '.join(map(str, hidden))}.")
                    return self._page(status=400)
            else:
                wanted = list(visible.values_list("pk", flat=True))
        try:
            scope, self.dry_run_total = rule_services.dry_run_scope(wanted)
            self.decisions = rule_services.rules_dry_run(rule=rule, listing_ids=scope)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, f"The dry run failed: {error_text(exc)}")
            return self._page(status=400)
        except (KeyError, TypeError, ValueError) as exc:  # settings the validation of the time did not catch
            messages.error(request, f"The dry run failed on the rule's settings ({type(exc).__name__}: {exc}).")
            return self._page(status=400)
        return self._page()

    def _page(self, status: int = 200) -> HttpResponse:
        self.object_list = self.get_queryset()
        response = self.render_to_response(self.get_context_data())
        response.status_code = status
        return response


def _form_errors(form: DryRunForm) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


class RuleDeleteView(StaffWriteMixin, View):
    """POST deletes the rule and its evaluation log (the rule page's "Delete…" asks first); GET shows the rule."""

    required_area = AREA

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return redirect(reverse("workflow:rule_detail", args=[pk]) + "#delete")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rule = get_object_or_404(AutomationRule, pk=pk)
        name = rule.name
        try:
            rule_services.automation_rule_delete(rule=rule, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            return redirect("workflow:rule_detail", pk=pk)
        messages.success(request, f"Rule “{name}” deleted.")
        return redirect("workflow:rule_list")
