import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from accounts.choices import ActorKind, AuditAction, SessionEndReason, SettingDataType


class UserProfile(models.Model):
    """Per-user settings beyond Django's User: the optional channel restriction.

    `allowed_channel_ids` empty means every channel; otherwise the user only sees and acts on those channels
    (a JSON list so the profile does not depend on the channels app's migrations).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    allowed_channel_ids = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"profile of {self.user}"


class UserSession(models.Model):
    """One login: device, address, start and last activity. Ending it logs the browser out on its next request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=64, db_index=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=SessionEndReason.choices, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user} from {self.ip_address or '?'} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class ApiToken(models.Model):
    """An API key for scripts. Only its SHA-256 is stored; the key itself is shown once at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        verbose_name_plural = "API tokens"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """One create/update/delete of an audited row: who (user or job), what, field-level before/after, when.

    Written only by accounts.audit; never changed afterwards (the admin is read-only, retention prunes by age).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.SYSTEM)
    actor_label = models.CharField(max_length=200, blank=True)
    # no index of its own: the (content_type, object_id, -created_at) index below starts with it, and a second
    # one would cost every audit write (bulk imports write one entry per row)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", db_index=False)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.content_type.model} #{self.object_id} by {self.actor_label or self.actor_kind}"


class WorkerHeartbeat(models.Model):
    """Last time a django-q2 worker ran the heartbeat task; /healthz reads it."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


SETTING_KEY_REGEX = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"


class RuntimeSetting(models.Model):
    """A typed value a seller changes while the shop runs (docs/configuration.md#runtime-settings).

    `value` NULL means "not set": readers get the default. Values are stored JSON-ready: text, integer, decimal as
    text, boolean, any JSON; a secret as its ciphertext. Written only by `runtime_setting_set`, which validates,
    audits and bumps the SettingsVersion."""

    key = models.CharField(
        max_length=100,
        unique=True,
        validators=[RegexValidator(SETTING_KEY_REGEX, "Use dotted lower-case names, e.g. sync.interval_minutes.")],
    )
    value = models.JSONField(null=True, blank=True)
    data_type = models.CharField(max_length=10, choices=SettingDataType.choices, default=SettingDataType.STRING)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=50, default="general", db_index=True)
    is_required = models.BooleanField(default=False, help_text="A value (or a default) must always exist.")
    is_encrypted = models.BooleanField(default=False, editable=False, help_text="Stored encrypted; never shown.")
    validation_regex = models.CharField(max_length=300, blank=True, help_text="The value's text must match it.")
    default_value = models.JSONField(null=True, blank=True, help_text="Used while no value is set.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["category", "key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(data_type__in=SettingDataType.values), name="runtime_setting_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(data_type=SettingDataType.SECRET, is_encrypted=True)
                | (~models.Q(data_type=SettingDataType.SECRET) & models.Q(is_encrypted=False)),
                name="runtime_setting_secret_encrypted",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        if self.validation_regex:
            try:
                re.compile(self.validation_regex)
            except re.error as exc:
                raise ValidationError({"validation_regex": f"Not a valid regular expression: {exc}."}) from None
        if self.data_type == SettingDataType.SECRET and self.default_value not in (None, ""):
            raise ValidationError({"default_value": "A secret has no default."})


class SettingsVersion(models.Model):
    """One number bumped by every runtime setting change, read by each process to know its cached settings are
    out of date (docs/configuration.md#runtime-settings)."""

    name = models.CharField(primary_key=True, max_length=40)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} v{self.value}"
