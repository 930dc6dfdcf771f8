from django.db import models


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class AttributeType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Yes/No"
    CHOICE = "choice", "Choice"


class MetafieldOwner(models.TextChoices):
    PRODUCT = "product", "Product"
    VARIANT = "variant", "Variant"


class MetafieldType(models.TextChoices):
    """Shopify metafield types we support (docs/catalog.md#metafields)."""

    SINGLE_LINE_TEXT = "single_line_text_field", "Single-line text"
    MULTI_LINE_TEXT = "multi_line_text_field", "Multi-line text"
    INTEGER = "number_integer", "Integer"
    DECIMAL = "number_decimal", "Decimal"
    BOOLEAN = "boolean", "True or false"
    DATE = "date", "Date"
    URL = "url", "URL"
    JSON = "json", "JSON"


class IconStatus(models.TextChoices):
    """Seed 001 Icon's statuses we use: icons are uploaded, not generated, so no 'generating' or 'failed'."""

    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
