"""Forms of the staff catalog pages. They only collect and shape input; every write goes through services."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory

from accounts.roles import channel_scoped
from channels.models import Channel

from .choices import ProductStatus
from .fields import PRODUCT_FIELD_NAMES, VARIANT_FIELDS
from .models import Category, Product, ProductImage, Variant
from .services import ImageUpload, VariantWrite

MAX_IMAGES_PER_UPLOAD = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Zero or more uploaded files; the image service does the real validation (format, size, duplicates)."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp,image/gif", "multiple": True})

    def clean(self, data: Any, initial: Any = None) -> list:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_IMAGES_PER_UPLOAD:
            raise ValidationError(f"Upload at most {MAX_IMAGES_PER_UPLOAD} images at once (you sent {len(files)}).")
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ProductForm(forms.ModelForm):
    """Product fields plus new images; `version` carries the optimistic lock for edits."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    images = MultipleImageField(
        label="Add images",
        help_text="JPEG, PNG, WebP or GIF. Drop files here or choose them; the same picture twice is refused.",
    )

    class Meta:
        model = Product
        fields = list(PRODUCT_FIELD_NAMES)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "attributes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_field: Any = self.fields["category"]
        category_field.queryset = Category.objects.filter(is_active=True)
        category_field.empty_label = "No category"
        category_field.label_from_instance = Category.indented_name
        self.fields["attributes"].help_text = 'JSON object of category attributes, e.g. {"material": "cotton"}.'
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def service_fields(self) -> dict[str, Any]:
        """Cleaned values to hand to product_save."""
        return {name: self.cleaned_data[name] for name in PRODUCT_FIELD_NAMES if name in self.cleaned_data}

    def service_images(self) -> list[ImageUpload]:
        return [ImageUpload(upload=f, filename=f.name) for f in self.cleaned_data.get("images") or []]


class OptionsField(forms.CharField):
    """Variant options typed as 'Size=XL, Colour=Red' and stored as {"Size": "XL", "Colour": "Red"}."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return ", ".join(f"{k}={v}" for k, v in value.items())
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True

    def to_python(self, value: Any) -> dict[str, str]:  # type: ignore[override]
        if isinstance(value, dict):
            return value
        text = (value or "").strip()
        options: dict[str, str] = {}
        if not text:
            return options
        for part in text.split(","):
            name, sep, val = part.partition("=")
            if not sep or not name.strip() or not val.strip():
                raise ValidationError(
                    f"Write options as Name=Value pairs separated by commas; '{part.strip()}' is not."
                )
            if name.strip() in options:
                raise ValidationError(f"Option '{name.strip()}' is given twice.")
            options[name.strip()] = val.strip()
        return options


class VariantForm(forms.ModelForm):
    options = OptionsField(required=False, help_text="e.g. Size=XL, Colour=Red")

    class Meta:
        model = Variant
        fields = list(VARIANT_FIELDS)

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VARIANT_FIELDS if name in self.cleaned_data}


class BaseVariantFormSet(BaseInlineFormSet):
    def service_writes(self) -> list[tuple[VariantForm, VariantWrite]]:
        """What each changed row asks of product_save, paired with its form (to show a refusal beside it)."""
        rows: list[tuple[VariantForm, VariantWrite]] = []
        deleted = self.deleted_forms
        for vform in cast(list[VariantForm], self.forms):
            existing = vform.instance if vform.instance.pk is not None else None
            if vform in deleted:
                if existing:
                    rows.append((vform, VariantWrite(variant=existing, delete=True)))
            elif vform.has_changed():
                rows.append((vform, VariantWrite(fields=vform.service_fields(), variant=existing)))
        return rows


VariantFormSet = inlineformset_factory(
    Product,
    Variant,
    form=VariantForm,
    formset=BaseVariantFormSet,
    extra=1,
    can_delete=True,
    max_num=200,
    validate_max=True,
)


class ImageUpdateForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ["alt_text", "sort_order", "is_primary"]


BULK_STATUS_ACTIONS = {
    "status_active": ProductStatus.ACTIVE,
    "status_draft": ProductStatus.DRAFT,
    "status_archived": ProductStatus.ARCHIVED,
}
BULK_ACTIONS = [
    ("status_active", "Set status: Active"),
    ("status_draft", "Set status: Draft"),
    ("status_archived", "Set status: Archived"),
    ("assign", "Assign to the chosen channels"),
    ("publish", "Publish on the chosen channels (all listed channels if none)"),
    ("export_csv", "Export selection (CSV)"),
]
BULK_MAX = 500  # one request updates at most this many products; bigger jobs belong to an import


class ProductBulkForm(forms.Form):
    """The checked rows of the product list and what to do with them."""

    action = forms.ChoiceField(choices=BULK_ACTIONS)
    channels: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Channels"
    )
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), required=True, error_messages={"required": "Select at least one product first."}
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        channel_field: Any = self.fields["channels"]
        channel_field.queryset = channel_scoped(Channel.objects.order_by("name"), user, "pk")
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def clean_ids(self) -> list[int]:
        ids = list(dict.fromkeys(self.cleaned_data["ids"]))
        if len(ids) > BULK_MAX:
            raise ValidationError(f"Select at most {BULK_MAX} products per bulk action (you selected {len(ids)}).")
        return ids

    def products(self) -> list[Product]:
        return list(Product.objects.filter(pk__in=self.cleaned_data["ids"]).select_related("category"))
