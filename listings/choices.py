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
    SUPPRESSED = "suppressed", "Suppressed"


class RemoteStatus(models.TextChoices):
    """A marketplace's own status of an item, normalised by the connector (raw status kept beside it)."""

    LIVE = "live", "Live"
    IN_REVIEW = "in_review", "In review"
    REJECTED = "rejected", "Rejected"
    INACTIVE = "inactive", "Inactive on the marketplace"
    SUPPRESSED = "suppressed", "Suppressed"
    DELETED = "deleted", "Deleted on the marketplace"
    UNKNOWN = "unknown", "Unknown"


class ReadinessSeverity(models.TextChoices):
    BLOCKING = "blocking", "Blocking"
    WARNING = "warning", "Warning"


class ChangeType(models.TextChoices):
    """What kind of change made a content version (docs/catalog.md#versions)."""

    MANUAL = "manual", "Manual edit"
    API = "api", "API"
    IMPORT = "import", "Import"
    BULK = "bulk", "Bulk edit"
    RULE = "rule", "Rule"
    ROLLBACK = "rollback", "Rollback"
    MARKETPLACE = "marketplace", "Marketplace edit"
    BASELINE = "baseline", "Baseline"


class ChangesetKind(models.TextChoices):
    BULK_EDIT = "bulk_edit", "Bulk edit"
    IMPORT = "import", "Import commit"
    RULE = "rule", "Rule application"
    BULK_PUBLISH = "bulk_publish", "Bulk publish"
    BULK_ASSIGN = "bulk_assign", "Bulk assign"
    GRID = "grid", "Price and stock grid"


class ChangesetStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    UNDOING = "undoing", "Undoing"
    UNDONE = "undone", "Undone"
