"""Pure validators for catalog values (no database access: callers pass what they read, e.g. definitions)."""

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import pycountry
from django.core.exceptions import ValidationError

from .choices import AttributeType

SKU_PATTERN = re.compile(r"^[A-Za-z0-9._\-/]+$")
SKU_MAX_LENGTH = 64


def normalize_sku(value: str) -> str:
    """Trim a SKU; internal whitespace is refused by `validate_sku`, not silently removed."""
    return (value or "").strip()


def validate_sku(value: str) -> None:
    if not value:
        raise ValidationError("SKU is required.", code="required")
    if any(ch.isspace() for ch in value):
        raise ValidationError(f"SKU '{value}' contains spaces; use letters, digits and . _ - / only.", code="sku_space")
    if len(value) > SKU_MAX_LENGTH:
        raise ValidationError(f"SKU is longer than {SKU_MAX_LENGTH} characters.", code="sku_length")
    if not SKU_PATTERN.match(value):
        raise ValidationError(
            f"SKU '{value}' has characters other than letters, digits and . _ - /.", code="sku_characters"
        )


def gtin_check_digit(body: str) -> int:
    """Check digit for the GTIN body (all digits but the last), GS1 mod-10 with weights 3,1 from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


GTIN_LENGTHS = frozenset({8, 12, 13, 14})  # GTIN-8, UPC-A, EAN-13, GTIN-14


def validate_gtin(value: str) -> None:
    """Accept GTIN-8, UPC-A (12), EAN-13 and GTIN-14 with a correct check digit."""
    if not value:
        return
    if not (value.isdigit() and value.isascii()):  # isdigit alone also takes other scripts' digits and ²
        raise ValidationError(f"Barcode '{value}' must contain the digits 0-9 only.", code="gtin_digits")
    if len(value) not in GTIN_LENGTHS:
        raise ValidationError(
            f"Barcode '{value}' has {len(value)} digits; a GTIN has 8, 12, 13 or 14.", code="gtin_length"
        )
    expected = gtin_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise ValidationError(
            f"Barcode '{value}' has check digit {value[-1]}, expected {expected}.", code="gtin_check_digit"
        )


def validate_currency(value: str) -> None:
    if not value or pycountry.currencies.get(alpha_3=value.upper()) is None or value != value.upper():
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code (e.g. USD, MYR).", code="currency")


def validate_country(value: str) -> None:
    if not value or value != value.upper() or pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(f"'{value}' is not an ISO 3166 alpha-2 country code (e.g. MY, TH).", code="country")


def validate_non_negative(value: Decimal | None) -> None:
    if value is not None and value < 0:
        raise ValidationError("Must not be negative.", code="negative")


class AttributeSpec(Protocol):
    """What attribute validation reads of an AttributeDefinition."""

    code: str
    label: str
    type: str
    choices: Any
    is_required: bool


def attribute_value_error(definition: AttributeSpec, value: Any) -> str | None:
    """A message when `value` does not fit the definition's type (or choices), else None."""
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


def attribute_errors(definitions: Iterable[AttributeSpec], attributes: Any) -> list[str]:
    """Human messages for every problem of `attributes` against `definitions`; empty when they are valid."""
    if not isinstance(attributes, dict):
        return ["Attributes must be an object of code: value pairs."]
    errors = []
    for definition in definitions:
        value = attributes.get(definition.code)
        if value in (None, ""):
            if definition.is_required:
                errors.append(f"'{definition.code}' ({definition.label}) is required for this category.")
            continue
        message = attribute_value_error(definition, value)
        if message:
            errors.append(message)
    return errors


# --- Title length (docs/catalog.md#title-length) ---

PRODUCT_TITLE_MAX_LENGTH = 255  # the column's width; a category may allow less, each marketplace too


def category_title_error(title: str, *, limit: int, category_name: str) -> str | None:
    """The refusal of a product title longer than its category allows, naming the field, the category and the
    limit, with how much to cut; None when it fits."""
    length = len(title or "")
    if length <= limit:
        return None
    return (
        f"The title has {length} characters; category '{category_name}' allows at most {limit}. "
        f"Shorten it by {length - limit}."
    )


# --- Content fields (docs/catalog.md#content) ---

BULLET_COUNT = 5  # Amazon shows up to five bullet points ("key product features") for sellers
BULLET_MAX_LENGTH = 500  # Amazon's per-bullet limit in its product type schemas (docs/marketplaces/amazon.md)
SEARCH_TERMS_MAX_BYTES = 250  # Amazon generic_keyword: 250 bytes of UTF-8, not characters
SEO_TITLE_MAX_LENGTH = 70  # Shopify's search engine listing preview counts 70 characters
SEO_DESCRIPTION_MAX_LENGTH = 320  # ... and 320 for the meta description
HANDLE_MAX_LENGTH = 255
HANDLE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BULLET_FIELDS: tuple[str, ...] = tuple(f"bullet_point_{n}" for n in range(1, BULLET_COUNT + 1))


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def search_terms_error(value: str) -> str | None:
    """A message when backend search terms exceed Amazon's 250 UTF-8 bytes, else None."""
    size = utf8_length(value or "")
    if size > SEARCH_TERMS_MAX_BYTES:
        return (
            f"Search terms are {size} bytes in UTF-8 ({len(value)} characters); Amazon takes at most "
            f"{SEARCH_TERMS_MAX_BYTES} bytes. Remove words (accented and non-Latin letters count 2-4 bytes each)."
        )
    return None


def validate_search_terms(value: str) -> None:
    message = search_terms_error(value)
    if message:
        raise ValidationError(message, code="search_terms_bytes")


def handle_error(value: str) -> str | None:
    if value and not HANDLE_PATTERN.match(value):
        return (
            f"Handle '{value}' may hold lowercase letters, digits and single hyphens only "
            "(e.g. 'organic-cotton-tshirt')."
        )
    return None


def validate_handle(value: str) -> None:
    message = handle_error(value)
    if message:
        raise ValidationError(message, code="handle")


def bullet_error(value: str, *, limit: int = BULLET_MAX_LENGTH) -> str | None:
    if value and len(value) > limit:
        return f"Bullet point has {len(value)} characters; at most {limit} are allowed."
    return None


def bullet_points_errors(values: Any, *, limit: int = BULLET_MAX_LENGTH) -> list[str]:
    """Problems of a bullet list (a listing override): a list of at most 5 texts, each within `limit`."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return ["Bullet points must be a list of texts."]
    errors = []
    if len(values) > BULLET_COUNT:
        errors.append(f"{len(values)} bullet points given; at most {BULLET_COUNT} are allowed.")
    for n, value in enumerate(values, start=1):
        message = bullet_error(value, limit=limit)
        if message:
            errors.append(f"Bullet {n}: {message}")
    return errors
