"""Choices of the workflow app (seed 003, workflow tables; docs/workflow.md)."""

from django.db import models


class TaskType(models.TextChoices):
    OPTIMIZATION = "optimization", "Optimization"
    PRICING = "pricing", "Pricing"
    COMPETITIVE = "competitive", "Competitive"
    COMPLIANCE = "compliance", "Compliance"
    LAUNCH = "launch", "Launch"
    OTHER = "other", "Other"


class TaskCreatedBy(models.TextChoices):
    USER = "user", "User"
    SYSTEM = "system", "System"
    RULE = "rule", "Automation rule"


class TriggerType(models.TextChoices):
    """What makes an automation rule look at its listings (docs/automation.md#triggers)."""

    THRESHOLD = "threshold", "Threshold (a metric crosses a value)"
    COMPETITIVE = "competitive", "Competitive (price drop, buy box lost)"
    TIME_BASED = "time_based", "Time-based (cron)"
    EVENT = "event", "Event"


class ActionType(models.TextChoices):
    CREATE_TASK = "create_task", "Create a task"
    UPDATE_PRICE = "update_price", "Update the price (through the price guards)"
    SEND_ALERT = "send_alert", "Send an alert"
    TAG_LISTING = "tag_listing", "Tag the listing"
    APPLY_TEMPLATE = "apply_template", "Apply a content template"
    PAUSE_LISTING = "pause_listing", "Pause the listing"


class EvaluationOutcome(models.TextChoices):
    """One row of a rule's evaluation log (docs/automation.md#evaluation-log)."""

    MATCHED = "matched", "Matched (action run)"
    NOT_MATCHED = "not_matched", "Not matched"
    PENDING = "pending", "Pending (condition must hold longer)"
    SKIPPED_COOLDOWN = "skipped_cooldown", "Skipped by cooldown"
    SKIPPED_CAP = "skipped_cap", "Skipped by the daily cap"
    SKIPPED_LOOP = "skipped_loop", "Skipped by the loop guard"
    ERROR = "error", "Error"
