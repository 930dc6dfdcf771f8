"""Validation of `Product.attributes` against the category's (inherited) attribute definitions.

The rules live beside the model (`Category.inherited_attribute_definitions`, `validators.attribute_errors`) so that
`Product.clean` needs no service; these are the names the import engine and other callers use.
"""

from typing import Any

from ..models import AttributeDefinition, Category
from ..validators import attribute_errors


def category_attribute_definitions(category: Category | None) -> list[AttributeDefinition]:
    """Definitions of the category and all its ancestors; a nearer category overrides a code."""
    return category.inherited_attribute_definitions() if category is not None else []


def attributes_validate(category: Category | None, attributes: Any) -> list[str]:
    """Return human messages for every problem; an empty list means the attributes are valid."""
    return attribute_errors(category_attribute_definitions(category), attributes)
