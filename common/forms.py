"""Form helpers shared by the staff pages of several apps."""

from django import forms


def refuse_long_title(field: forms.Field) -> None:
    """A title over the limit is refused with its length and the limit, not cut by the browser's `maxlength`
    (docs/catalog.md#title-length); each marketplace's lower limit is a readiness issue."""
    field.widget.attrs.pop("maxlength", None)
    field.error_messages["max_length"] = "The title has %(show_value)d characters; at most %(limit_value)d fit."
