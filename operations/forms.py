"""Forms of the operations pages (also validate the API's query parameters where no FilterSet fits)."""

from typing import Any

from django import forms

from common.api.filters import utc_offset_error
from common.errors import ApplicationError
from operations.choices import JobStatus
from operations.job_sources import SOURCES, job_type_choices
from operations.models import Feed
from operations.services.feeds import feed_check


class JobFilterForm(forms.Form):
    """Filters of the Jobs page and GET /api/v1/jobs/ (the jobs of three tables, so a form, not a FilterSet)."""

    source = forms.ChoiceField(
        required=False, choices=[("", "All"), *[(p, p) for p in SOURCES]], help_text="job, sync or import"
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

    def field_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "upload"}
