"""FilterSets and widgets that make filter forms read in the seller's words (docs/pages.md#filters)."""

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.choices import CallableChoiceIterator
from django_filters.utils import label_for_filter
from django_filters.widgets import BooleanWidget

DASHES = BLANK_CHOICE_DASH[0][1]  # "---------", the empty choice Django and django-filter give by default


class AnyYesNo(BooleanWidget):
    """A yes/no filter whose empty choice reads "Any" (the default), never "Unknown" or "---------"."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]


class DateTimePicker(forms.DateTimeInput):
    """The browser's date-and-time picker; its value (2026-12-07T10:30) is an ISO 8601 time the API takes too."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def any_label(label: str) -> str:
    """The empty choice of a filter labelled `label`: "Status" -> "Any status", "SKU" stays "Any SKU"."""
    if label[1:2].isupper():
        return f"Any {label}"
    return f"Any {label[:1].lower()}{label[1:]}"


def _label(filterset: Any, name: str, filter_: django_filters.Filter) -> str:
    if filter_.label:
        return str(filter_.label)
    model = filterset._meta.model
    if model is not None and filter_.field_name:
        label = str(label_for_filter(model, filter_.field_name, "exact"))
        if "[invalid name]" not in label:
            return label
    return name.replace("_", " ").capitalize()


class HumanFilterSet(django_filters.FilterSet):
    """A FilterSet whose form has no "---------" or "Unknown" choice, whether the filter is declared or generated
    from `Meta.fields`: a choice without an `empty_label` gets "Any <its label>" ("Any stage"; an ordering
    "Default order") and a yes/no filter without a widget gets `AnyYesNo`. Only the form changes: the query
    parameters, what they accept and the OpenAPI schema stay as they were. Give a filter a `label` where its
    field's name is not what a person calls it, and an `empty_label` where "Any ..." reads badly ("Anyone")."""

    @classmethod
    def get_filters(cls) -> dict[str, django_filters.Filter]:
        filters = super().get_filters()
        for name, filter_ in filters.items():
            if isinstance(filter_, django_filters.BooleanFilter) and "widget" not in filter_.extra:
                filter_.extra["widget"] = AnyYesNo
            elif filter_.extra.get("empty_label", DASHES) != DASHES:
                continue  # the filter's own empty label (a generated one says "---------")
            elif isinstance(filter_, django_filters.OrderingFilter):
                filter_.extra["empty_label"] = "Default order"
            elif isinstance(filter_, django_filters.ChoiceFilter | django_filters.TypedChoiceFilter):
                filter_.extra["empty_label"] = any_label(_label(cls, name, filter_))
        return filters


def id_select(field: forms.Field, choices: Callable[[], Iterable[tuple[Any, str]]], empty_label: str) -> None:
    """Show a filter that takes a plain id (an integer API parameter: an unknown id finds nothing rather than a
    400) as a <select> of names on the page. `choices` is read only when the form is rendered, so the API,
    which never renders it, runs no query for it."""
    field.widget = forms.Select(choices=CallableChoiceIterator(lambda: [("", empty_label), *choices()]))
