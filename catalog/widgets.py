"""The category picker: a plain <select> of category paths that `static/js/category_picker.js` turns into a
searchable tree (docs/pages.md#category-picker). Without JavaScript it is an ordinary select whose options read
"Fashion > Women > Dresses", so a category is told apart from a namesake elsewhere in the tree."""

from typing import Any

from django import forms

from .models import Category
from .selectors import category_full_names


class PickerOptions:
    """Marks the select for the picker script; each option also carries its depth and own name for the tree."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"data-category-picker": "", **(attrs or {})})  # type: ignore[call-arg]

    def create_option(
        self,
        name: str,
        value: Any,
        label: int | str,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)  # type: ignore[misc]
        category = getattr(value, "instance", None)
        if isinstance(category, Category):
            option["attrs"].update({"data-depth": str(category.depth), "data-name": category.name})
        return option


class CategoryPicker(PickerOptions, forms.Select):
    """One category."""


class CategoryPickerMultiple(PickerOptions, forms.SelectMultiple):
    """Several categories: the script toggles each chosen one and lists the chosen paths, each removable."""


def category_picker(field: Any) -> None:
    """Give a category choice field (one or several) the picker widget and full-path labels.

    The choices come ordered by path (parents before their children), so each label is its parent's label plus
    its own name; only when a parent is not among the choices (an inactive one) are all paths read, once."""
    labels: dict[int, str] = {}

    def label(category: Category) -> str:
        if category.parent_id is None:
            labels[category.pk] = category.name
        elif category.parent_id in labels:
            labels[category.pk] = f"{labels[category.parent_id]} > {category.name}"
        else:
            labels.update(category_full_names())
        return labels.get(category.pk, category.name)

    field.label_from_instance = label
    attrs = field.widget.attrs
    field.widget = (CategoryPickerMultiple if isinstance(field.widget, forms.SelectMultiple) else CategoryPicker)(attrs)
    field.widget.is_required = field.required
    field.widget.choices = field.choices
