"""Forms of the staff catalog pages. They only collect and shape input; every write goes through services."""

from decimal import Decimal
from functools import cache
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.functional import lazy

from accounts.roles import channel_scoped
from channels.models import Channel
from common.forms import refuse_long_title

from .choices import AttributeType, MetafieldType, ProductStatus
from .fields import PRODUCT_FIELD_NAMES, VARIANT_FIELDS
from .metafields import MetafieldError, full_key, metafield_text, metafield_value
from .models import AttributeDefinition, Category, MetafieldDefinition, Product, ProductImage, Variant
from .selectors import category_title_limit_in, category_title_limit_setters
from .services import ImageUpload, VariantWrite
from .services.attributes import category_attribute_definitions
from .validators import PRODUCT_TITLE_MAX_LENGTH
from .widgets import category_picker

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


ATTRIBUTE_PREFIX = "attr__"
BOOLEAN_CHOICES = [("", "Not set"), ("true", "Yes"), ("false", "No")]


def attribute_form_field(definition: AttributeDefinition) -> forms.Field:
    """The form field of one attribute definition: text, number, yes/no or one of its choices."""
    label = definition.label + (" *" if definition.is_required else "")
    common: dict[str, Any] = {"label": label, "required": False, "help_text": f"Attribute code {definition.code}."}
    if definition.type == AttributeType.NUMBER:
        return forms.DecimalField(**common)
    if definition.type == AttributeType.BOOLEAN:
        return forms.TypedChoiceField(choices=BOOLEAN_CHOICES, coerce=lambda v: v == "true", empty_value=None, **common)
    if definition.type == AttributeType.CHOICE:
        return forms.ChoiceField(choices=[("", "Not set"), *((str(c), str(c)) for c in definition.choices)], **common)
    return forms.CharField(max_length=500, **common)


def attribute_form_value(definition: AttributeDefinition, value: Any) -> Any:
    """The stored JSON value of a cleaned attribute field; None when it is blank."""
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if definition.type == AttributeType.CHOICE:  # the choice as defined (a number stays a number)
        return next((c for c in definition.choices if str(c) == value), value)
    return value.strip() if isinstance(value, str) else value


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
            "short_description": forms.Textarea(attrs={"rows": 3}),
            "seo_description": forms.Textarea(attrs={"rows": 2}),
            "metafields": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "bullet_point_1": "Key product features (Amazon shows up to 5, each up to 500 characters).",
            "seo_title": "Shopify search engine title, up to 70 characters; empty: the product title.",
            "seo_description": "Shopify meta description, up to 320 characters.",
            "metafields": 'JSON object by "namespace.key", e.g. {"specs.material": "steel"}.',
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_field: Any = self.fields["category"]
        category_field.queryset = Category.objects.filter(is_active=True)
        category_field.empty_label = "No category"
        category_picker(category_field)
        self._attribute_fields()
        refuse_long_title(self.fields["title"])
        self._show_title_limits(category_field)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self._quantity_from_ledger()

    def _attribute_fields(self) -> None:
        """One labelled field per attribute the chosen category defines (its own and its ancestors', required ones
        marked), named `attr__<code>`; the JSON box keeps only the attributes no definition names
        (docs/catalog.md#attributes). A changed category shows its fields once the form comes back."""
        self.attribute_definitions = category_attribute_definitions(self._chosen_category())
        stored = (self.instance.attributes if self.instance.pk else None) or {}
        codes = {d.code for d in self.attribute_definitions}
        for definition in self.attribute_definitions:
            field = attribute_form_field(definition)
            field.initial = stored.get(definition.code)
            self.fields[ATTRIBUTE_PREFIX + definition.code] = field
        box = self.fields["attributes"]
        box.label = "Other attributes" if codes else "Attributes"
        box.required = False
        box.help_text = (
            'JSON object of attributes the category does not define, e.g. {"material": "cotton"}.'
            if codes
            else 'JSON object of attributes, e.g. {"material": "cotton"}; a category\'s defined attributes '
            "appear as fields once the product is in it."
        )
        if isinstance(stored, dict):
            self.initial["attributes"] = {k: v for k, v in stored.items() if k not in codes}

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[ATTRIBUTE_PREFIX + d.code] for d in self.attribute_definitions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._merge_attributes(cleaned)
        return cleaned

    def _merge_attributes(self, cleaned: dict[str, Any]) -> None:
        """The JSON box's attributes plus the labelled fields' values (a blank field removes its code)."""
        merged = cleaned.get("attributes")
        if merged in (None, ""):
            merged = {}
        if not isinstance(merged, dict):
            self.add_error("attributes", "Attributes must be a JSON object of code: value pairs.")
            return
        merged = dict(merged)
        for definition in self.attribute_definitions:
            name = ATTRIBUTE_PREFIX + definition.code
            if name not in cleaned:  # the field's own error is shown next to it
                continue
            value = attribute_form_value(definition, cleaned.pop(name))
            if value is None:
                merged.pop(definition.code, None)
                if definition.is_required:
                    self.add_error(name, f"{definition.label} is required for this category.")
            else:
                merged[definition.code] = value
        cleaned["attributes"] = merged

    def _show_title_limits(self, category_field: Any) -> None:
        """Each category of the select says its title limit, and the title field says the chosen category's
        (docs/catalog.md#title-length); the model refuses a longer title on save. Read when rendered."""
        setters = cache(category_title_limit_setters)
        path_label = category_field.label_from_instance  # the picker's "Fashion > Women > Dresses"

        def label(category: Category) -> str:
            found = category_title_limit_in(category, setters())
            return path_label(category) + (f" (titles up to {found.limit})" if found else "")

        def title_help() -> str:
            chosen = self._chosen_category()
            found = category_title_limit_in(chosen, setters()) if chosen else None
            if found:
                return f"At most {found.limit} characters: the title limit of category '{found.category_name}'."
            return f"At most {PRODUCT_TITLE_MAX_LENGTH} characters."

        category_field.label_from_instance = label
        self.fields["title"].help_text = lazy(title_help, str)()

    def _chosen_category(self) -> Category | None:
        """The category the form shows: the one posted, else the product's."""
        if self.is_bound:
            raw = str(self.data.get(self.add_prefix("category")) or "")
            return Category.objects.filter(pk=raw).first() if raw.isdigit() else None
        return self.instance.category if self.instance.category_id else None

    def _quantity_from_ledger(self) -> None:
        """Once a product exists its quantity is derived from the stock ledger (docs/orders.md#the-ledger): shown,
        not edited here; changes go through the stock page (adjustment, count) or a stock-count upload."""
        field = self.fields["quantity"]
        field.disabled = True
        variants = list(self.instance.variants.values_list("quantity", flat=True))
        if variants:
            field.label = "Quantity (total of the variants)"
            field.initial = sum(variants)
            self.initial["quantity"] = sum(variants)
            field.help_text = "Each variant's available stock comes from its stock page."
        else:
            field.help_text = "Available stock, from the stock ledger: change it on the stock page."

    def service_fields(self) -> dict[str, Any]:
        """Cleaned values to hand to product_save (not a quantity the ledger owns)."""
        return {
            name: self.cleaned_data[name]
            for name in PRODUCT_FIELD_NAMES
            if name in self.cleaned_data and not (name == "quantity" and self.fields["quantity"].disabled)
        }

    def service_images(self) -> list[ImageUpload]:
        return [ImageUpload(upload=f, filename=f.name) for f in self.cleaned_data.get("images") or []]


OPTIONS_HINT = "Options: Name=Value pairs separated by commas, e.g. Size=XL, Colour=Red."


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
    options = OptionsField(
        required=False,
        help_text=OPTIONS_HINT,
        widget=forms.TextInput(
            attrs={"placeholder": "Size=XL, Colour=Red", "aria-describedby": "variant-options-hint"}
        ),  # the hint is shown once above the variants table (templates/catalog/product_form.html)
    )

    class Meta:
        model = Variant
        fields = list(VARIANT_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # derived from the stock ledger once the variant exists (docs/orders.md#the-ledger)
            self.fields["quantity"].disabled = True
            self.fields["quantity"].help_text = "Available stock, from the stock ledger."

    def service_fields(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in VARIANT_FIELDS
            if name in self.cleaned_data and not (name == "quantity" and self.fields["quantity"].disabled)
        }


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
    ("category", "Move to the chosen category"),
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
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label="Choose a category",
        widget=forms.Select(attrs={"id": "id_bulk_category"}),  # the filter form above has its own id_category
    )
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    # "Select all N matching this filter": the list's query string; the view re-applies it (never trusting ids).
    select_all = forms.BooleanField(required=False)
    filters = forms.CharField(required=False, max_length=4000)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_picker(self.fields["category"])

        channel_field: Any = self.fields["channels"]
        channel_field.queryset = channel_scoped(Channel.objects.order_by("name"), user, "pk")
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "category" and not cleaned.get("category"):
            raise ValidationError("Choose the category to move the products to.")
        if not cleaned.get("select_all"):
            ids = list(dict.fromkeys(cleaned.get("ids") or []))
            if not ids:
                raise ValidationError("Select at least one product first.")
            if len(ids) > BULK_MAX:
                raise ValidationError(f"Select at most {BULK_MAX} products per bulk action (you selected {len(ids)}).")
            cleaned["ids"] = ids
        return cleaned

    def products(self, matching: Any = None) -> list[Product]:
        """The checked products, or with `select_all` every product of `matching` (the re-applied filter)."""
        if self.cleaned_data.get("select_all") and matching is not None:
            return list(matching.select_related("category"))
        return list(Product.objects.filter(pk__in=self.cleaned_data["ids"]).select_related("category"))


class ProductDuplicateForm(forms.Form):
    """The copy's SKU and title, and one SKU field per variant (named `variant_<id>`, prefilled with a proposal)."""

    sku = forms.CharField(label="New SKU", max_length=64)
    title = forms.CharField(max_length=255, required=False, help_text="Leave empty to keep the original's title.")

    def __init__(self, *args: Any, product: Product, proposed: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variant_fields: list[tuple[Any, str]] = []
        for variant in product.variants.order_by("position", "id"):
            name = f"variant_{variant.pk}"
            self.fields[name] = forms.CharField(
                label=f"SKU for the copy of {variant}", max_length=64, initial=proposed.get(variant.pk, "")
            )
            self.variant_fields.append((variant, name))

    def variant_skus(self) -> dict[int, str]:
        return {variant.pk: self.cleaned_data[name] for variant, name in self.variant_fields}

    def bound_variant_fields(self) -> list[tuple[Any, Any]]:
        return [(variant, self[name]) for variant, name in self.variant_fields]


# --- Product metafields page (docs/catalog.md#metafields) ---

BOOLEAN_CHOICES = [("", "— no value"), ("true", "Yes"), ("false", "No")]


def _metafield_widget(definition: MetafieldDefinition) -> forms.Widget:
    choices = (definition.validations or {}).get("choices")
    if choices and definition.type != MetafieldType.BOOLEAN:
        return forms.Select(choices=[("", "— no value"), *[(str(c), str(c)) for c in choices]])
    widgets: dict[str, forms.Widget] = {
        MetafieldType.MULTI_LINE_TEXT: forms.Textarea(attrs={"rows": 3}),
        MetafieldType.JSON: forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        MetafieldType.INTEGER: forms.TextInput(attrs={"inputmode": "numeric"}),
        MetafieldType.DECIMAL: forms.TextInput(attrs={"inputmode": "decimal"}),
        MetafieldType.BOOLEAN: forms.Select(choices=BOOLEAN_CHOICES),
        MetafieldType.DATE: forms.DateInput(attrs={"type": "date"}),
        MetafieldType.URL: forms.URLInput(),
    }
    return widgets.get(definition.type, forms.TextInput())


def _metafield_help(definition: MetafieldDefinition) -> str:
    rules = definition.validations or {}
    parts = [f"{full_key(definition)} · {definition.get_type_display()}"]
    if rules.get("min") is not None:
        parts.append(f"min {rules['min']}")
    if rules.get("max") is not None:
        parts.append(f"max {rules['max']}")
    if rules.get("regex"):
        parts.append(f"pattern {rules['regex']}")
    if definition.is_required:
        parts.append("required on Shopify (its listings are blocked without it)")
    text = " · ".join(parts)
    return f"{text}. {definition.description}" if definition.description else text


class ProductMetafieldsForm(forms.Form):
    """One input per product metafield definition, each checked by `metafield_value` (the model's own check),
    so a refusal sits beside its input; a blank input clears the value. `cleaned_values()` is what the
    `product_metafields_update` service takes."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, product: Product, definitions: list[MetafieldDefinition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["version"].initial = product.version
        self.rows: list[tuple[str, MetafieldDefinition]] = []
        stored = product.metafields or {}
        for definition in definitions:
            name = f"mf_{definition.pk}"
            key = full_key(definition)
            value = stored.get(key)
            self.fields[name] = forms.CharField(
                label=definition.name or key,
                required=False,
                widget=_metafield_widget(definition),
                help_text=_metafield_help(definition),
                initial="" if value is None else metafield_text(definition.type, value),
            )
            self.rows.append((name, definition))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.values: dict[str, Any] = {}
        for name, definition in self.rows:
            raw = cleaned.get(name) or ""
            if raw == "":
                self.values[full_key(definition)] = None
                continue
            try:
                self.values[full_key(definition)] = metafield_value(definition, raw)
            except MetafieldError as exc:
                self.add_error(name, str(exc))
        return cleaned

    def bound_rows(self) -> list[tuple[Any, MetafieldDefinition]]:
        return [(self[name], definition) for name, definition in self.rows]

    def changed_keys(self) -> list[str]:
        """The "namespace.key"s whose value the submitted form changes."""
        stored = self.product.metafields or {}
        return [key for key, value in self.values.items() if stored.get(key) != value]
