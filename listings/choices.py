from django.db import models


class ListingStatus(models.TextChoices):
    """Where a listing stands; the allowed moves between these are the table in listings/state.py."""

    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    QUEUED = "queued", "Queued"
    PUBLISHING = "publishing", "Publishing"
    IN_REVIEW = "in_review", "In review"
    LIVE = "live", "Live"
    ERROR = "error", "Error"
    PAUSED = "paused", "Paused"
    DELISTED = "delisted", "Delisted"
    OUT_OF_SYNC = "out_of_sync", "Out of sync"


class ReadinessSeverity(models.TextChoices):
    BLOCKING = "blocking", "Blocking"
    WARNING = "warning", "Warning"
