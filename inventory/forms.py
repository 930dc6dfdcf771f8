from django import forms


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(label="Change on hand by", help_text="e.g. 5 or -2")
    reason = forms.CharField(
        max_length=200, help_text='Required. "count" allows going below zero (a stock count found fewer).'
    )


class StockSettingsForm(forms.Form):
    safety = forms.IntegerField(min_value=0, label="Safety buffer")
    low_stock_threshold = forms.IntegerField(
        min_value=0, required=False, label="Low-stock threshold", help_text="Empty: the default."
    )
