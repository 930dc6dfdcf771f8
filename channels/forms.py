"""Forms of the staff channel pages; credentials are write-only inputs, never rendered back."""

import re
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from catalog.models import AttributeDefinition, Category
from catalog.widgets import category_picker
from syncing.connectors import CONNECTORS

from .credential_help import credential_inputs
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
    ("Minimum stock control", ["minimum_stock", "minimum_stock_primary"]),
    ("Sync", ["conflict_policy", "pull_interval_hours", "pull_incremental_minutes", "pull_overlap_minutes"]),
    ("Push on change", ["auto_push_offers", "auto_push_content", "push_debounce_seconds"]),
]


ATTRIBUTE_CODE = re.compile(r"[-a-zA-Z0-9_]+")  # a slug, as AttributeDefinition.code


class ChannelForm(forms.ModelForm):
    """Channel settings plus one password input per credential; empty inputs keep the stored value."""

    allowed_categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    class Meta:
        model = Channel
        fields = list(CHANNEL_FORM_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_picker(self.fields["allowed_categories"])  # docs/pages.md#category-picker
        self._required_attribute_fields()
        if self.instance.pk:
            self.fields["allowed_categories"].initial = list(
                self.instance.allowed_categories.values_list("pk", flat=True)
            )
            self.fields["marketplace"].disabled = True  # the credentials and ids belong to one marketplace
            primary: Any = self.fields["minimum_stock_primary"]
            primary.queryset = primary.queryset.exclude(pk=self.instance.pk)
        self.marketplace = self._chosen_marketplace()
        if not self.instance.pk and self.marketplace and (self.initial.get("marketplace") or self.is_bound):
            # chosen on the first step (or posted): carried along, the credential inputs are that marketplace's
            self.fields["marketplace"].widget = forms.HiddenInput()
        masked = self.instance.credentials_masked() if self.instance.pk else {}
        for name, label, help_text, required in credential_inputs(self.marketplace):
            state = f"Stored: {masked[name]}. Leave empty to keep it." if name in masked else "Not set."
            self.fields[f"cred_{name}"] = forms.CharField(
                label=label if required else f"{label} (optional)",
                required=False,  # an empty input keeps the stored value; the model says which required ones lack
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=f"{help_text} {state}".strip(),
            )

    def _required_attribute_fields(self) -> None:
        """`required_attributes` as one checkbox per known attribute code (defined by a category, or already
        required) plus a text input for codes no category defines yet, instead of a JSON list."""
        current = [c for c in (self.instance.required_attributes or []) if isinstance(c, str)]
        defined = dict(AttributeDefinition.objects.order_by("code", "category_id").values_list("code", "label"))
        choices = [(code, f"{label} ({code})") for code, label in sorted(defined.items())]
        choices += [(code, code) for code in current if code not in defined]
        self.fields["required_attributes"] = forms.MultipleChoiceField(
            label="Required attributes",
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=current,
            help_text="Every product listed on this channel needs these attributes (readiness blocks it otherwise).",
        )
        self.fields["required_attributes_other"] = forms.CharField(
            label="Other required attribute codes",
            required=False,
            help_text="Codes no category defines yet, separated by commas, e.g. care_label, origin.",
        )

    def clean_required_attributes_other(self) -> list[str]:
        codes = [c.strip() for c in self.cleaned_data.get("required_attributes_other", "").split(",") if c.strip()]
        bad = [c for c in codes if not ATTRIBUTE_CODE.fullmatch(c)]
        if bad:
            raise forms.ValidationError(
                f"{', '.join(bad)}: an attribute code is letters, digits, _ or - (as the category's attributes)."
            )
        return codes

    def _chosen_marketplace(self) -> str:
        """The channel's marketplace, else the posted one, else the one chosen on the first step; "" if none."""
        if self.instance.pk:
            return self.instance.marketplace
        value = self.data.get("marketplace") if self.is_bound else self.initial.get("marketplace")
        return value if isinstance(value, str) and value in CONNECTORS else ""

    def clean(self) -> dict[str, Any]:
        """Put the credentials on the instance first, so the model's own check (all required ones present) runs
        against what will be stored: the stored values merged with the new inputs."""
        cleaned = super().clean() or {}
        if "required_attributes" in cleaned:
            chosen = list(cleaned["required_attributes"])
            chosen += [c for c in cleaned.pop("required_attributes_other", []) if c not in chosen]
            cleaned["required_attributes"] = chosen
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
        return [
            (title, [self[name] for name in names if name in self.fields and not self[name].is_hidden])
            for title, names in SECTIONS
        ]

    def marketplace_label(self) -> str:
        return CONNECTORS[self.marketplace].label if self.marketplace else ""

    def credentials(self, marketplace: str) -> dict[str, str]:
        """Non-empty credential inputs that the marketplace uses (required and optional ones)."""
        wanted = [name for name, *_ in credential_inputs(marketplace)]
        return {name: self.cleaned_data[f"cred_{name}"] for name in wanted if self.cleaned_data.get(f"cred_{name}")}

    def service_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data[name] for name in CHANNEL_FORM_FIELDS if name in self.cleaned_data}
        if self.instance.pk:
            fields.pop("marketplace", None)
        return fields


class CategoryBranchForm(forms.Form):
    """The category mapping editor's "Show" choice: one category and its subcategories, or all of them; chosen
    with the category picker (docs/pages.md#category-picker)."""

    branch = forms.ModelChoiceField(
        queryset=Category.objects.order_by("path"), required=False, empty_label="All categories", label="Show"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_picker(self.fields["branch"])
