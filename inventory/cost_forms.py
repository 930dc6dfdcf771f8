"""Forms of the supplier, component, price and BOM pages; saving goes through inventory.cost_services."""

from django import forms

from catalog.models import Product, Variant

from .cost_models import BomLine, Component, ComponentPrice, Supplier
from .cost_services import COMPONENT_FIELDS, COMPONENT_PRICE_FIELDS, SUPPLIER_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = list(SUPPLIER_FIELDS)


class ComponentForm(forms.ModelForm):
    product = forms.ModelChoiceField(
        Product.objects.all(),
        required=False,
        widget=forms.NumberInput,
        label="Is our product (id)",
        help_text="Only for a component that is itself one of our products.",
    )

    class Meta:
        model = Component
        fields = list(COMPONENT_FIELDS)


class ComponentPriceForm(forms.ModelForm):
    class Meta:
        model = ComponentPrice
        fields = [name for name in COMPONENT_PRICE_FIELDS if name != "component"]
        widgets = {"valid_from": DATE, "valid_to": DATE}


class BomLineForm(forms.ModelForm):
    """A line of one product's bill: for the product (all its variants) or for one of its variants."""

    variant = forms.ModelChoiceField(
        Variant.objects.none(), required=False, empty_label="the product (all variants)", label="For"
    )

    class Meta:
        model = BomLine
        fields = ["component", "quantity", "cost_override", "variant", "notes"]
        widgets = {"notes": forms.TextInput}

    def __init__(self, *args, product: Product, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["variant"].queryset = product.variants.all()  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # the service's full_clean() checks the line (with the owner the view sets), not the half-filled form
        pass


class PlannedBatchForm(forms.Form):
    variant = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, label="Planned batch")
