"""Board stages and tasks (seed 003, workflow tables; docs/workflow.md). Writes go through workflow/services.py."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.models import BaseModel

from .choices import ActionType, EvaluationOutcome, TaskCreatedBy, TaskType, TriggerType
from .rule_config import action_errors, condition_errors, self_trigger_reason, trigger_errors

PART_MIN, PART_MAX = Decimal("0"), Decimal("10")  # impact, ease and urgency are each scored 0-10
PART_VALIDATORS = [MinValueValidator(PART_MIN), MaxValueValidator(PART_MAX)]
COLOR_VALIDATOR = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Give a colour as #RRGGBB.")


def priority_score_of(impact: Decimal, ease: Decimal, urgency: Decimal) -> Decimal:
    """impact × ease × urgency / 10, so 0-100 (docs/workflow.md#priority)."""
    return (Decimal(impact) * Decimal(ease) * Decimal(urgency) / 10).quantize(Decimal("0.01"))


class Stage(BaseModel):
    """A column of the board. New tasks land in the default stage; moving a task into a terminal stage
    completes it. `wip_limit` (empty: none) is advisory: a column over it is highlighted, moves are not refused."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    color = models.CharField(max_length=7, default="#6B7280", validators=[COLOR_VALIDATOR])
    sort_order = models.IntegerField(default=0, help_text="Columns left to right, lowest first.")
    is_default = models.BooleanField(default=False, help_text="New tasks start here (one stage at most).")
    is_terminal = models.BooleanField(default=False, help_text="Tasks moved here are completed.")
    wip_limit = models.IntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)], help_text="Most open tasks; empty: no limit."
    )

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wip_limit__isnull=True) | Q(wip_limit__gte=0),
                name="stage_wip_limit_not_negative",
                violation_error_message="wip_limit must be 0 or more.",
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="stage_one_default",
                violation_error_message="Only one stage can be the default.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Task(BaseModel):
    """A piece of work on the board, optionally about one main listing and/or several listings.

    `priority_score` is stored and derived from the three parts by the services (docs/workflow.md#priority);
    `position` orders the tasks of one stage (0 at the top, kept dense by task_move). `created_by` (BaseModel)
    is the person; `created_by_kind` says whether a person, the system or an automation rule made it.
    """

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    task_type = models.CharField(max_length=30, choices=TaskType.choices, default=TaskType.OTHER)
    listing = models.ForeignKey(
        "listings.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="main_tasks",
        help_text="The main listing, if any.",
    )  # fmt: skip
    listings = models.ManyToManyField("listings.Listing", blank=True, related_name="tasks")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="tasks")
    position = models.PositiveIntegerField(default=0, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tasks"
    )
    impact_score = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("5"), validators=PART_VALIDATORS)
    ease_score = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("5"), validators=PART_VALIDATORS)
    urgency_score = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("5"), validators=PART_VALIDATORS
    )
    priority_score = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("12.50"), editable=False)
    created_by_kind = models.CharField(max_length=20, choices=TaskCreatedBy.choices, default=TaskCreatedBy.USER)
    source_rule = models.CharField(
        max_length=64, blank=True, default="", help_text="The automation rule that made it (its id), if any."
    )
    alert = models.ForeignKey(
        "competitors.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks",
        help_text="The competitor alert it came from, if any.",
    )  # fmt: skip
    due_date = models.DateField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list, blank=True, help_text="A list of short words.")

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["stage", "position"], name="task_stage_position_idx"),
            models.Index(fields=["-priority_score"], name="task_priority_idx"),
            models.Index(fields=["due_date"], name="task_due_idx"),
        ]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{part}__gte": PART_MIN, f"{part}__lte": PART_MAX}),
                    name=f"task_{part}_0_to_10",
                    violation_error_message=f"{part} must be between 0 and 10.",
                )
                for part in ("impact_score", "ease_score", "urgency_score")
            ),
            models.CheckConstraint(
                condition=Q(priority_score__gte=0, priority_score__lte=100),
                name="task_priority_score_0_to_100",
                violation_error_message="priority_score must be between 0 and 100.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def priority_breakdown(self) -> dict[str, Decimal]:
        return {"impact_score": self.impact_score, "ease_score": self.ease_score, "urgency_score": self.urgency_score}

    def clean(self) -> None:
        tags = self.tags
        if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 50 for t in tags):
            raise ValidationError({"tags": "Give tags as a list of words of 1 to 50 characters."})
        if self.created_by_kind != TaskCreatedBy.RULE and self.source_rule:
            raise ValidationError({"source_rule": "Only a task made by a rule names a source rule."})


class AutomationRule(BaseModel):
    """A rule that watches listings and acts (docs/automation.md): a trigger, an AND list of
    conditions and one action, behind guards (cooldown per listing, a daily cap, a pending period, the loop guard,
    dry run) and switched off by itself after `max_consecutive_errors` errors in a row (`disabled_reason` says why).
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    trigger_type = models.CharField(max_length=30, choices=TriggerType.choices)
    trigger_config = models.JSONField(default=dict, help_text='e.g. {"metric": "score", "operator": "lt", "value": 70}')
    conditions = models.JSONField(
        default=list, blank=True, help_text='AND list, e.g. [{"field": "channel.marketplace", "operator": "eq", '
        '"value": "amazon"}]',
    )  # fmt: skip
    action_type = models.CharField(max_length=30, choices=ActionType.choices)
    action_config = models.JSONField(
        default=dict, blank=True, help_text='e.g. {"change_type": "percentage", "value": -5}'
    )
    cooldown_minutes = models.PositiveIntegerField(
        default=60, help_text="Least time between two firings on one listing."
    )
    max_daily_triggers = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Most firings a day; empty: no cap."
    )
    pending_minutes = models.PositiveIntegerField(
        default=0, help_text="How long the condition must hold on a listing before the rule fires (0: at once)."
    )
    dry_run = models.BooleanField(default=False, help_text="Log what the rule would do; change nothing.")
    is_active = models.BooleanField(default=True)
    max_consecutive_errors = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1)], help_text="Errors in a row after which the rule switches off."
    )
    consecutive_errors = models.PositiveIntegerField(default=0, editable=False)
    disabled_reason = models.TextField(blank=True, default="", editable=False)
    last_triggered_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    trigger_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "trigger_type"], name="rule_active_trigger_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger_type__in=TriggerType.values),
                name="rule_trigger_type_known",
                violation_error_message="Unknown trigger type.",
            ),
            models.CheckConstraint(
                condition=Q(action_type__in=ActionType.values),
                name="rule_action_type_known",
                violation_error_message="Unknown action type.",
            ),
            models.CheckConstraint(
                condition=Q(max_daily_triggers__isnull=True) | Q(max_daily_triggers__gte=1),
                name="rule_daily_cap_positive",
                violation_error_message="max_daily_triggers must be 1 or more (empty: no cap).",
            ),
            models.CheckConstraint(
                condition=Q(max_consecutive_errors__gte=1),
                name="rule_error_limit_positive",
                violation_error_message="max_consecutive_errors must be 1 or more.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.trigger_type in TriggerType.values:
            errors["trigger_config"] = trigger_errors(self.trigger_type, self.trigger_config)
        errors["conditions"] = condition_errors(self.conditions)
        if self.action_type in ActionType.values:
            errors["action_config"] = action_errors(self.action_type, self.action_config)
            loop = self_trigger_reason(self.trigger_type, self.trigger_config, self.action_type)
            if loop:
                errors["action_type"] = [loop]
        errors = {name: messages for name, messages in errors.items() if messages}
        if errors:
            raise ValidationError(errors)


class RuleEvaluation(models.Model):
    """One evaluation of a rule on one listing (or a summary row for a sweep's unmatched listings): the outcome,
    the inputs it was decided on, what the action did, and where it sits in a cascade of rules."""

    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="evaluations")
    listing = models.ForeignKey(
        "listings.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="rule_evaluations"
    )
    outcome = models.CharField(max_length=20, choices=EvaluationOutcome.choices)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=60, help_text="What started it: threshold sweep, cron, an event.")
    inputs = models.JSONField(default=dict, blank=True)
    detail = models.TextField(blank=True, default="")
    action_result = models.JSONField(default=dict, blank=True)
    cascade_id = models.CharField(max_length=32, blank=True, default="")
    cascade_depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["rule", "-created_at"], name="rule_eval_rule_time_idx"),
            models.Index(fields=["rule", "outcome", "created_at"], name="rule_eval_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.outcome} {self.created_at:%Y-%m-%d %H:%M}"


class RuleEntityState(models.Model):
    """A rule's memory of one listing: since when its condition holds (the pending period) and when it last
    fired there (the cooldown)."""

    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="states")
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="+")
    condition_since = models.DateTimeField(null=True, blank=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "listing"], name="rule_state_one_per_listing")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.listing_id}"


class ListingTag(models.Model):
    """A word on a listing, set by the tag_listing action (or by a person): rules and filters can test it."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="workflow_tags")
    tag = models.CharField(max_length=50)
    source_rule = models.ForeignKey(AutomationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tag"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "tag"], name="listing_tag_unique"),
            models.CheckConstraint(condition=~Q(tag=""), name="listing_tag_not_blank"),
        ]

    def __str__(self) -> str:
        return self.tag
