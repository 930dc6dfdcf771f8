"""Validation of `Product.attributes` against the category's (inherited) attribute definitions."""

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..choices import AttributeType

if TYPE_CHECKING:
    from ..models import AttributeDefinition, Category


def category_attribute_definitions(category: "Category | None") -> list["AttributeDefinition"]:
    """Definitions of the category and all its ancestors; a nearer category overrides a code."""
    from ..models import AttributeDefinition

    if category is None:
        return []
    ids = category.ancestor_ids() or ([category.pk] if category.pk else [])
    by_code: dict[str, AttributeDefinition] = {}
    depth = {cid: i for i, cid in enumerate(ids)}
    for definition in sorted(
        AttributeDefinition.objects.filter(category_id__in=ids), key=lambda d: depth[d.category_id]
    ):
        by_code[definition.code] = definition
    return list(by_code.values())


def _type_error(definition: "AttributeDefinition", value: Any) -> str | None:
    kind = definition.type
    if kind == AttributeType.TEXT and not isinstance(value, str):
        return f"'{definition.code}' must be text, got {value!r}."
    if kind == AttributeType.BOOLEAN and not isinstance(value, bool):
        return f"'{definition.code}' must be true or false, got {value!r}."
    if kind == AttributeType.NUMBER:
        if isinstance(value, bool):
            return f"'{definition.code}' must be a number, got {value!r}."
        try:
            Decimal(str(value))
        except InvalidOperation:
            return f"'{definition.code}' must be a number, got {value!r}."
    if kind == AttributeType.CHOICE and value not in definition.choices:
        allowed = ", ".join(str(c) for c in definition.choices)
        return f"'{definition.code}' must be one of {allowed}; got {value!r}."
    return None


def attributes_validate(category: "Category | None", attributes: Any) -> list[str]:
    """Return human messages for every problem; an empty list means the attributes are valid."""
    if not isinstance(attributes, dict):
        return ["Attributes must be an object of code: value pairs."]
    errors = []
    definitions = category_attribute_definitions(category)
    for definition in definitions:
        value = attributes.get(definition.code)
        if value in (None, ""):
            if definition.is_required:
                errors.append(f"'{definition.code}' ({definition.label}) is required for this category.")
            continue
        message = _type_error(definition, value)
        if message:
            errors.append(message)
    return errors
