from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from catalog.choices import ProductStatus

from .models import Listing


class ListingForm(forms.ModelForm):
    """Product, variant, channel (fixed once created) and the overrides; status moves go through actions."""

    class Meta:
        model = Listing
        fields: tuple[str, ...] = ("product", "variant", "channel", "title", "description", "price")
        fields += ("compare_at_price", "quantity")
        fields += ("bullet_points", "search_terms", "short_description", "seo_title", "seo_description")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        product = cleaned.get("product")
        if self.instance.pk is None and product is not None and product.status == ProductStatus.ARCHIVED:
            raise ValidationError({"product": f"Product {product.sku} is archived; restore it before listing it."})
        return cleaned
