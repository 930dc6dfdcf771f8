"""Forms of the operations pages (also validate the API's query parameters where no FilterSet fits)."""

import json
from typing import Any

from django import forms

from common.api.filters import utc_offset_error
from common.errors import ApplicationError
from operations.choices import JobStatus, NotificationKind
from operations.job_sources import SOURCES, job_type_choices
from operations.models import Feed
from operations.services.feeds import feed_check

# What the Jobs page's "Source" choice calls each source (the value stays the job id's prefix: job-12, sync-3).
SOURCE_LABELS = {"job": "Operations", "sync": "Sync", "import": "Imports", "orders": "Order pulls"}


class JobFilterForm(forms.Form):
    """Filters of the Jobs page and GET /api/v1/jobs/ (the jobs of three tables, so a form, not a FilterSet)."""

    source = forms.ChoiceField(
        required=False,
        choices=[("", "All"), *[(p, SOURCE_LABELS.get(p, p)) for p in SOURCES]],
        help_text="job, sync or import",
    )
    type = forms.ChoiceField(required=False, choices=[("", "All"), *job_type_choices()])
    status = forms.MultipleChoiceField(required=False, choices=JobStatus.choices)
    active = forms.NullBooleanField(required=False, widget=forms.CheckboxInput, label="Queued or running only")
    created_after = forms.DateTimeField(required=False, label="From")
    created_before = forms.DateTimeField(required=False, label="Until")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("created_after", "created_before"):
            value = cleaned.get(name)
            message = utc_offset_error(value) if value is not None else None
            if message:
                self.add_error(name, message)
        return cleaned


class MaintenanceForm(forms.Form):
    vacuum = forms.BooleanField(required=False, initial=True)
    analyze = forms.BooleanField(required=False, initial=True)


class FeedForm(forms.ModelForm):
    """A supplier feed (page and admin). The password is write-only: never rendered, empty keeps the stored one.
    The mapping is JSON text; the service checks it (columns, transforms) and the cron when saving."""

    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted, never shown again; leave empty to keep the stored one.",
    )
    clear_password = forms.BooleanField(required=False, help_text="Remove the stored password.")
    private_key = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono", "autocomplete": "off"}),
        help_text="SFTP key login: paste the OpenSSH or PEM private key (the password is then its passphrase, if "
        "any). Stored encrypted, never shown again; leave empty to keep the stored one.",
    )
    clear_private_key = forms.BooleanField(required=False, help_text="Remove the stored private key.")
    mapping = forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "mono"}),
        help_text='{"<our column>": {"from": "<their column>", "transform": ...}}; see docs/operations.md#mapping.',
    )

    class Meta:
        model = Feed
        fields = [
            "name",
            "source_type",
            "url",
            "username",
            "path_pattern",
            "upload",
            "format",
            "record_path",
            "mapping",
            "on_error",
            "schedule",
            "is_active",
        ]

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # BaseModelForm._post_clean, missing in django-stubs
        if not self.errors:
            try:
                feed_check(self.instance)
            except ApplicationError as exc:
                self.add_error(None, exc.message)

    def password_value(self) -> str | None:
        """What to hand feed_save: None keeps the stored password, "" clears it."""
        if self.cleaned_data.get("clear_password"):
            return ""
        return self.cleaned_data.get("password") or None

    def private_key_value(self) -> str | None:
        """What to hand feed_save: None keeps the stored key, "" clears it."""
        if self.cleaned_data.get("clear_private_key"):
            return ""
        return self.cleaned_data.get("private_key") or None

    def field_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "upload"}


class RuntimeSettingsForm(forms.Form):
    """One typed input per runtime setting (docs/configuration.md#runtime-settings). Empty means "the default";
    a secret's input is write-only: empty keeps the stored secret, `<key>__clear` removes it."""

    BOOLEAN_CHOICES = [("", "(default)"), ("true", "Yes"), ("false", "No")]

    def __init__(self, *args: Any, settings_rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = {row.key: row for row in settings_rows}
        for row in settings_rows:
            self.fields[row.key] = self._field(row)
            if row.data_type == "secret" and row.value:
                self.fields[f"{row.key}__clear"] = forms.BooleanField(required=False, label=f"Remove {row.key}")

    def _field(self, row: Any) -> forms.Field:
        help_text = row.description + (f" Default: {row.default_shown}." if row.default_shown not in ("", None) else "")
        common = {"required": False, "label": row.key, "help_text": help_text}
        if row.data_type == "secret":
            placeholder = "•••••• (stored; type to replace)" if row.value else "not set"
            return forms.CharField(
                widget=forms.PasswordInput(
                    render_value=False, attrs={"autocomplete": "off", "placeholder": placeholder}
                ),
                **common,
            )
        if row.data_type == "boolean":
            return forms.ChoiceField(choices=self.BOOLEAN_CHOICES, initial=_text(row.value), **common)
        if row.data_type == "json":
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial=_text(row.value), **common)
        if row.data_type in ("integer", "decimal"):
            step = "1" if row.data_type == "integer" else "any"
            widget = forms.NumberInput(attrs={"step": step, "placeholder": _text(row.default_shown)})
            return forms.CharField(widget=widget, initial=_text(row.value), **common)
        return forms.CharField(
            widget=forms.TextInput(attrs={"placeholder": _text(row.default_shown)}), initial=_text(row.value), **common
        )

    def groups(self) -> list[tuple[str, list[Any]]]:
        """(category, bound fields) in the rows' order."""
        grouped: dict[str, list[Any]] = {}
        for key, row in self.rows.items():
            grouped.setdefault(row.category, []).append(self[key])
            if f"{key}__clear" in self.fields:
                grouped[row.category].append(self[f"{key}__clear"])
        return list(grouped.items())

    def changes(self) -> dict[str, Any]:
        """{key: new raw value} of the settings the user changed (None: back to the default or removed)."""
        found: dict[str, Any] = {}
        for key, row in self.rows.items():
            new = self.cleaned_data.get(key) or ""
            if row.data_type == "secret":
                if self.cleaned_data.get(f"{key}__clear"):
                    found[key] = None
                elif new:
                    found[key] = new
            elif new.strip() != _text(row.value).strip():
                found[key] = new if new.strip() else None
        return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class NotificationPreferencesForm(forms.Form):
    """Per kind: in the app only, or also by e-mail, immediately or in the daily digest."""

    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("in_app", "In the app only"), ("immediate", "E-mail immediately"), ("daily", "E-mail daily digest")]
        for kind, label in NotificationKind.choices:
            pref = current.get(kind)
            initial = "in_app" if pref is None or pref.channel == "in_app" else pref.digest
            self.fields[kind] = forms.ChoiceField(choices=choices, initial=initial, label=label)
