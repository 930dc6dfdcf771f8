"""Forms of the competitor pages; every save goes through competitors.services."""

from django import forms

from channels.models import Channel
from listings.models import Listing

from .choices import AlertStatus
from .models import WATCHED_MARKETPLACES, Competitor


class CompetitorForm(forms.ModelForm):
    listings = forms.ModelMultipleChoiceField(
        queryset=Listing.objects.none(),
        required=False,
        help_text="Our listings on the same channel that this item competes with.",
    )

    class Meta:
        model = Competitor
        fields = ["channel", "item_id", "seller_id", "name", "tracking_priority", "is_active", "listings"]
        labels = {"item_id": "ASIN or Etsy listing id", "seller_id": "Seller id (Amazon, optional)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        channel_field = self.fields["channel"]
        listings_field = self.fields["listings"]
        assert isinstance(channel_field, forms.ModelChoiceField)
        assert isinstance(listings_field, forms.ModelMultipleChoiceField)
        channel_field.queryset = Channel.objects.filter(marketplace__in=WATCHED_MARKETPLACES)
        listings_field.queryset = Listing.objects.filter(channel__marketplace__in=WATCHED_MARKETPLACES).select_related(
            "product", "channel"
        )
        listings_field.label_from_instance = lambda listing: f"{listing.product.sku} · {listing.channel.name}"  # type: ignore[method-assign,assignment]


class AlertStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (AlertStatus.VIEWED, AlertStatus.ACTIONED, AlertStatus.DISMISSED)]
    )
    action_taken = forms.CharField(required=False, max_length=2000)
