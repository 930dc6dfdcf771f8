"""Forms of the staff channel pages; credentials are write-only inputs, never rendered back."""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from catalog.models import Category
from syncing.connectors import CONNECTORS

from .models import Channel
from .services import CHANNEL_EDITABLE_FIELDS

CHANNEL_FORM_FIELDS = list(CHANNEL_EDITABLE_FIELDS)
SECTIONS = [
    (
        "Marketplace account",
        ["name", "marketplace", "country", "currency", "language", "base_url", "shop_id", "is_active"],
    ),
    ("Rate limit", ["rate_limit_per_second", "rate_limit_burst"]),
    (
        "Readiness rules",
        ["title_max_length", "min_images", "max_images", "main_image_min_px", "main_image_white_background"],
    ),
    (
        "Price rule",
        [
            "price_currency_rate",
            "price_adjust_type",
            "price_adjust_value",
            "price_rounding_ending",
            "price_min",
            "price_max",
        ],
    ),
    ("Stock rule", ["stock_percent", "stock_buffer", "stock_max"]),
    ("Sync", ["conflict_policy", "pull_interval_hours", "pull_incremental_minutes", "pull_overlap_minutes"]),
    ("Push on change", ["auto_push_offers", "auto_push_content", "push_debounce_seconds"]),
]


def credential_names() -> dict[str, list[str]]:
    """Credential field name -> the marketplaces that need it."""
    names: dict[str, list[str]] = {}
    for code, connector in CONNECTORS.items():
        for name in connector.credential_fields:
            names.setdefault(name, []).append(code)
    return names


class ChannelForm(forms.ModelForm):
    """Channel settings plus one password input per credential; empty inputs keep the stored value."""

    allowed_categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    class Meta:
        model = Channel
        fields = list(CHANNEL_FORM_FIELDS)
        widgets = {"required_attributes": forms.TextInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["allowed_categories"]
        field.label_from_instance = Category.indented_name
        if self.instance.pk:
            self.fields["allowed_categories"].initial = list(
                self.instance.allowed_categories.values_list("pk", flat=True)
            )
            self.fields["marketplace"].disabled = True  # the credentials and ids belong to one marketplace
        masked = self.instance.credentials_masked() if self.instance.pk else {}
        for name, marketplaces in credential_names().items():
            self.fields[f"cred_{name}"] = forms.CharField(
                label=name.replace("_", " "),
                required=False,
                strip=True,
                widget=forms.PasswordInput(
                    render_value=False,
                    attrs={"autocomplete": "new-password", "data-marketplaces": " ".join(marketplaces)},
                ),
                help_text=(f"Stored: {masked[name]}. Leave empty to keep it." if name in masked else "Not set."),
            )

    def clean(self) -> dict[str, Any]:
        """Put the credentials on the instance first, so the model's own check (all required ones present) runs
        against what will be stored: the stored values merged with the new inputs."""
        cleaned = super().clean() or {}
        marketplace = self.instance.marketplace if self.instance.pk else cleaned.get("marketplace")
        if marketplace:
            stored = self.instance.get_credentials() if self.instance.pk else {}
            self.instance.set_credentials(stored | self.credentials(marketplace))
        return cleaned

    def _update_errors(self, errors: Any) -> None:
        """Model errors on attributes without a form field (e.g. `credentials`) go to the top of the form."""
        if hasattr(errors, "error_dict"):
            for name in list(errors.error_dict):
                if name not in self.fields and name != NON_FIELD_ERRORS:
                    moved = errors.error_dict.pop(name)
                    errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(moved)
        super()._update_errors(errors)  # type: ignore[misc]

    def credential_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("cred_")]

    def sections(self) -> list[tuple[str, list[Any]]]:
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in SECTIONS]

    def credentials(self, marketplace: str) -> dict[str, str]:
        """Non-empty credential inputs that the marketplace uses."""
        wanted = CONNECTORS[marketplace].credential_fields if marketplace in CONNECTORS else ()
        return {
            name: self.cleaned_data.get(f"cred_{name}") or ""
            for name in wanted
            if self.cleaned_data.get(f"cred_{name}")
        }

    def service_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data[name] for name in CHANNEL_FORM_FIELDS if name in self.cleaned_data}
        if self.instance.pk:
            fields.pop("marketplace", None)
        return fields
