from django import forms

from channels.models import Channel

from .models import ChannelFee
from .services import CHANNEL_FEE_FIELDS


class ChannelFeeForm(forms.ModelForm):
    class Meta:
        model = ChannelFee
        fields = list(CHANNEL_FEE_FIELDS)


class PricingFilterForm(forms.Form):
    channel = forms.ModelChoiceField(Channel.objects.order_by("name"), required=False, empty_label="All channels")
    q = forms.CharField(required=False, label="SKU")
    below_floor = forms.BooleanField(required=False, label="Below floor only")
    margin_min = forms.DecimalField(required=False, label="Margin % from", max_digits=9, decimal_places=2)
    margin_max = forms.DecimalField(required=False, label="Margin % to", max_digits=9, decimal_places=2)
    sort = forms.ChoiceField(
        required=False,
        label="Sort",
        choices=[("", "Newest first"), ("margin", "Margin % ascending"), ("-margin", "Margin % descending")],
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        low, high = data.get("margin_min"), data.get("margin_max")
        if low is not None and high is not None and low > high:
            self.add_error("margin_max", f"Margin % to ({high}) is below Margin % from ({low}).")
        return data
