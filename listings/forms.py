"""Forms of the staff listing pages: overrides, status moves, bulk actions. Writes go through services."""

from typing import Any

from django import forms

from channels.models import Channel
from common.forms import refuse_long_title

from .choices import ListingStatus
from .models import Listing

OVERRIDE_FIELDS: tuple[str, ...] = ("title", "description", "price", "compare_at_price", "quantity")
OVERRIDE_FIELDS += ("bullet_points", "search_terms", "short_description", "seo_title", "seo_description")


class BulletLinesField(forms.CharField):
    """Bullet points typed one per line; empty = None (inherit the product's)."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str] | None:  # type: ignore[override]
        if isinstance(value, list):
            return value
        lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
        return lines or None

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial) != self.to_python(data)


class ListingOverridesForm(forms.ModelForm):
    """Empty = inherit from the product (through the channel's price and stock rules)."""

    bullet_points = BulletLinesField(
        required=False, help_text="One bullet point per line (up to 5); leave empty to use the product's."
    )

    class Meta:
        model = Listing
        fields = list(OVERRIDE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "short_description": forms.Textarea(attrs={"rows": 3}),
            "seo_description": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "title": "Leave empty to use the product title.",
            "description": "Leave empty to use the product description.",
            "price": "Leave empty to use the product price with the channel's price rule.",
            "compare_at_price": "Leave empty to use the product's compare-at price.",
            "quantity": "Leave empty to use the product stock with the channel's stock rule.",
            "search_terms": "Leave empty to use the product's search terms (at most 250 bytes of UTF-8).",
            "short_description": "Leave empty to use the product's short description.",
            "seo_title": "Leave empty to use the product's SEO title.",
            "seo_description": "Leave empty to use the product's SEO description.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refuse_long_title(self.fields["title"])
        channel = self.instance.channel if self.instance.channel_id else None
        if channel is not None and channel.title_max_length:
            self.fields["title"].help_text = (
                f"Leave empty to use the product title. {channel.get_marketplace_display()} allows at most "
                f"{channel.title_max_length} characters."
            )

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in OVERRIDE_FIELDS}


class ListingTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=ListingStatus.choices)
    reason = forms.CharField(required=False, max_length=500)


LISTING_BULK_ACTIONS = [
    ("publish", "Publish / push now"),
    ("publish_changes", "Publish changes"),
    ("ready", "Mark ready"),
    ("draft", "Back to draft"),
    ("paused", "Pause (not on a marketplace)"),
    ("deactivate", "Deactivate on marketplace…"),
]


class ListingBulkForm(forms.Form):
    action = forms.ChoiceField(choices=LISTING_BULK_ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    # "Select all N matching this filter": the list's query string; the view re-applies it (never trusting ids).
    select_all = forms.BooleanField(required=False)
    filters = forms.CharField(required=False, max_length=4000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("select_all") and not cleaned.get("ids"):
            raise forms.ValidationError("Select at least one listing first.")
        return cleaned


class ChannelChoiceForm(forms.Form):
    """Channels picked for a bulk assignment or publish from the product list."""

    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
