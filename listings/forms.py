"""Forms of the staff listing pages: overrides, status moves, bulk actions. Writes go through services."""

from typing import Any

from django import forms

from channels.models import Channel

from .choices import ListingStatus
from .models import Listing

OVERRIDE_FIELDS = ("title", "description", "price", "compare_at_price", "quantity")


class ListingOverridesForm(forms.ModelForm):
    """Empty = inherit from the product (through the channel's price and stock rules)."""

    class Meta:
        model = Listing
        fields = list(OVERRIDE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "title": "Leave empty to use the product title.",
            "description": "Leave empty to use the product description.",
            "price": "Leave empty to use the product price with the channel's price rule.",
            "compare_at_price": "Leave empty to use the product's compare-at price.",
            "quantity": "Leave empty to use the product stock with the channel's stock rule.",
        }

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
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": "Select at least one listing first."}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]


class ChannelChoiceForm(forms.Form):
    """Channels picked for a bulk assignment or publish from the product list."""

    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
