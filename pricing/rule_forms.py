"""Forms of the rule editor: the rule itself and the selection its live preview runs over."""

from django import forms

from channels.models import Channel

from .rule_models import PriceRule
from .rule_services import PRICE_RULE_FIELDS


class PriceRuleForm(forms.ModelForm):
    class Meta:
        model = PriceRule
        fields = list(PRICE_RULE_FIELDS)
        widgets = {
            "config": forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class PreviewSelectionForm(forms.Form):
    channel = forms.ModelChoiceField(
        Channel.objects.order_by("name"), required=False, empty_label="All channels", label="Preview channel"
    )
    q = forms.CharField(required=False, label="Preview SKU")
    competitor_price = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=2,
        label="What if the lowest competitor were at",
        help_text="Landed price (price + shipping); empty: the observed one.",
    )
