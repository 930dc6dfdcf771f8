"""Widgets that make FilterSet forms read in the seller's words (docs/pages.md#filters)."""

from typing import Any

from django import forms
from django_filters.widgets import BooleanWidget


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
