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
