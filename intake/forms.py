from django import forms

from accounts.roles import user_channels
from catalog.models import Category
from catalog.widgets import category_picker

from .choices import ItemCondition


class IntakeUploadForm(forms.Form):
    """Hints of an upload; the photos come from request.FILES (1-20, checked by the service)."""

    hint_name = forms.CharField(label="Name", required=False, max_length=255)
    hint_model = forms.CharField(label="Model", required=False, max_length=120)
    hint_condition = forms.ChoiceField(
        label="Condition", required=False, choices=[("", "Unknown"), *ItemCondition.choices]
    )
    hint_channels: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="Target channels", required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hint_channels"].queryset = user_channels(request)  # type: ignore[attr-defined]


class IntakeReviewForm(forms.Form):
    """The reviewer confirms or corrects each field; required ones must have a value."""

    name = forms.CharField(max_length=255)
    category = forms.ModelChoiceField(queryset=Category.objects.order_by("path"))
    condition = forms.ChoiceField(choices=ItemCondition.choices)
    brand = forms.CharField(max_length=120, required=False)
    model = forms.CharField(max_length=64, required=False)
    size = forms.CharField(max_length=64, required=False)
    colour = forms.CharField(max_length=64, required=False)
    barcode = forms.CharField(max_length=14, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        category_picker(self.fields["category"])

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["category"] = data["category"].pk
        return data
