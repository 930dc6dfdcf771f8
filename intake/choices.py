from django.db import models


class IntakeStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    PROCESSING = "processing", "Processing"
    NEEDS_REVIEW = "needs_review", "Needs review"
    COMPLETED = "completed", "Completed"
    ERROR = "error", "Error"
    STOPPED = "stopped", "Stopped"


class PhaseName(models.TextChoices):
    """The phases, in pipeline order (docs/intake.md)."""

    PHOTO_CHECK = "photo_check", "0. Photo check"
    ANALYSIS = "analysis", "1. Analysis"
    RESEARCH = "research", "2. Market research"
    SEO = "seo", "3. SEO"
    LISTING = "listing", "4. Listing"


class PhaseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    STOPPED = "stopped", "Stopped"


class LogLevel(models.TextChoices):
    DEBUG = "debug", "Debug"
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class ItemCondition(models.TextChoices):
    NEW = "new", "New"
    USED = "used", "Used"
    REFURBISHED = "refurbished", "Refurbished"
