from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.functional import cached_property

from common.models import BaseModel

from .choices import IntakeStatus, ItemCondition, LogLevel, PhaseName, PhaseStatus

MAX_CONFIDENCE = 100


class PrivatePhotoStorage(FileSystemStorage):
    """Intake photos live beside MEDIA_ROOT, not under it: no URL serves them; `intake:photo` does, after the
    visibility check (docs/intake.md#visibility)."""

    @cached_property
    def base_location(self) -> str:  # type: ignore[override]
        return str(Path(settings.MEDIA_ROOT).parent / "private")

    @cached_property
    def location(self) -> str:  # type: ignore[override]
        return str(Path(self.base_location).resolve())  # the mixin drops both caches when MEDIA_ROOT changes


private_photo_storage = PrivatePhotoStorage()


def intake_photo_storage() -> PrivatePhotoStorage:
    return private_photo_storage


def intake_photo_path(instance: "IntakePhoto", filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"intake/{instance.item_id}/{instance.sha256}.{ext}"


class IntakeItem(BaseModel):
    """One physical item photographed by warehouse staff, on its way through the phases to a draft product.

    `fields` holds the current value of every identified field with its confidence, evidence and engine (filled by
    the analysis phase, corrected by a reviewer); `confidence` is the minimum over the required fields.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_items")
    status = models.CharField(max_length=16, choices=IntakeStatus.choices, default=IntakeStatus.UPLOADED, db_index=True)
    current_phase = models.CharField(max_length=16, choices=PhaseName.choices, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    requires_review = models.BooleanField(default=False)
    is_running = models.BooleanField(default=False)
    error_message = models.TextField(blank=True)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="intake_items"
    )
    hint_name = models.CharField("name hint", max_length=255, blank=True)
    hint_model = models.CharField("model hint", max_length=120, blank=True)
    hint_condition = models.CharField("condition hint", max_length=16, choices=ItemCondition.choices, blank=True)
    hint_channels = models.ManyToManyField("channels.Channel", blank=True, related_name="+")
    fields = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True) | models.Q(confidence__lte=MAX_CONFIDENCE),
                name="intake_confidence_at_most_100",
            ),
            models.CheckConstraint(
                condition=models.Q(is_running=False) | models.Q(status=IntakeStatus.PROCESSING),
                name="intake_running_only_while_processing",
            ),
            models.CheckConstraint(
                condition=models.Q(requires_review=False) | models.Q(status=IntakeStatus.NEEDS_REVIEW),
                name="intake_review_flag_only_in_review",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        name = (self.fields.get("name") or {}).get("value") or self.hint_name
        return f"Intake #{self.pk}" + (f" · {name}" if name else "")


class IntakePhoto(models.Model):
    """A photo of an intake item, with the photo check's verdict (ok / retake and why)."""

    item = models.ForeignKey(IntakeItem, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=intake_photo_path, storage=intake_photo_storage, max_length=255)
    original_filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file_size = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField()
    verdict = models.CharField(max_length=8, blank=True, help_text="ok or retake, set by the photo check.")
    retake_reasons = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="intake_photo_unique_position"),
            models.UniqueConstraint(fields=["item", "sha256"], name="intake_photo_unique_content"),
            models.CheckConstraint(
                condition=models.Q(verdict__in=["", "ok", "retake"]), name="intake_photo_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"photo {self.position} of intake #{self.item_id}"


class IntakePhase(models.Model):
    """The run record of one phase of one item: its typed, versioned output keyed by the hash of its input.

    A run whose input hash equals that of a completed output reuses it (a redelivered task or a repeated start
    does no work twice). `retry_count`, the last error and the duration stay for the page and the API.
    """

    item = models.ForeignKey(IntakeItem, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField(max_length=16, choices=PhaseName.choices)
    status = models.CharField(max_length=16, choices=PhaseStatus.choices, default=PhaseStatus.PENDING)
    input_hash = models.CharField(max_length=64, blank=True)
    output = models.JSONField(default=dict, blank=True)
    output_version = models.PositiveSmallIntegerField(default=0)
    engine = models.CharField(max_length=64, blank=True)
    engine_version = models.CharField(max_length=120, blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["item_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "phase"], name="intake_phase_unique_per_item"),
            models.CheckConstraint(
                condition=~models.Q(status=PhaseStatus.COMPLETED) | ~models.Q(input_hash=""),
                name="intake_phase_completed_has_input_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} of intake #{self.item_id}: {self.status}"


class IntakeLog(models.Model):
    """One line of an item's pipeline log (level, message, details, action), per phase when it has one."""

    item = models.ForeignKey(IntakeItem, on_delete=models.CASCADE, related_name="logs")
    phase = models.CharField(max_length=16, choices=PhaseName.choices, blank=True)
    level = models.CharField(max_length=8, choices=LogLevel.choices, default=LogLevel.INFO)
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    action = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["item_id", "id"]
        indexes = [models.Index(fields=["item", "phase", "id"])]

    def __str__(self) -> str:
        return f"[{self.level}] {self.message}"
