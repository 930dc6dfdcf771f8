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
