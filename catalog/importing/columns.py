"""The import columns, header matching and pure cell conversions (no database access)."""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from ..choices import ProductStatus
from ..fields import PRODUCT_SPREADSHEET_FIELDS
from ..validators import (
    BULLET_MAX_LENGTH,
    GTIN_LENGTHS,
    SEO_DESCRIPTION_MAX_LENGTH,
    SEO_TITLE_MAX_LENGTH,
    SKU_MAX_LENGTH,
    SKU_PATTERN,
    handle_error,
    search_terms_error,
    validate_currency,
    validate_gtin,
    validate_sku,
)

COLUMNS = [
    *PRODUCT_SPREADSHEET_FIELDS,
    "parent_sku",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "image_urls",
    "channels",
]
COLUMN_NOTES = {
    "sku": "Required. Letters, digits and . _ - / only; matched case-insensitively: an existing SKU is updated.",
    "title": "Required for new products (up to 255 characters).",
    "description": "HTML allowed; scripts and unsafe markup are removed.",
    "brand": "Up to 120 characters.",
    "category": "Path such as 'Home > Kitchen > Knives'; missing levels are created.",
    "price": "Required for new products. A number >= 0 with at most 2 decimals (19.90 or 19,90).",
    "currency": "ISO 4217 code such as USD, EUR, MYR. Default USD.",
    "compare_at_price": "Optional; not below the price.",
    "cost_price": "Optional; a number >= 0.",
    "quantity": "Whole number >= 0.",
    "barcode": "GTIN-8, UPC-A (12), EAN-13 or GTIN-14 with a correct check digit. Format the column as text.",
    "weight_grams": "Whole number of grams.",
    "length_mm": "Package length: a whole number of millimetres (0 or more). Blank clears it on an update.",
    "width_mm": "Package width: a whole number of millimetres (0 or more). Blank clears it on an update.",
    "height_mm": "Package height: a whole number of millimetres (0 or more). Blank clears it on an update.",
    "status": "draft, active or archived. Default draft.",
    "parent_sku": "Makes the row a variant of that product (in the file or already in the catalog).",
    "option1_name": "Variant option name, e.g. Size (variant rows only).",
    "option1_value": "Variant option value, e.g. XL.",
    "option2_name": "Second option name, e.g. Colour.",
    "option2_value": "Second option value, e.g. Red.",
    "image_urls": "http(s) image addresses separated by ';'; fetched after the import with the upload checks.",
    "channels": "Channel names separated by ','; a listing is created on each.",
    "short_description": "A summary (Lazada, Shopee); simple HTML allowed.",
    **{
        f"bullet_point_{n}": f"Key feature {n} of 5 (Amazon bullet points), up to {BULLET_MAX_LENGTH} characters."
        for n in range(1, 6)
    },
    "search_terms": "Backend search terms (Amazon), space-separated, at most 250 bytes in UTF-8.",
    "seo_title": f"Shopify SEO title, up to {SEO_TITLE_MAX_LENGTH} characters.",
    "seo_description": f"Shopify meta description, up to {SEO_DESCRIPTION_MAX_LENGTH} characters.",
    "handle": "Shopify URL handle: lowercase letters, digits and hyphens, e.g. organic-cotton-tshirt.",
    "manufacturer": "Up to 120 characters (Amazon manufacturer).",
    "model_number": "Up to 100 characters (Amazon model_number).",
    "mpn": "Manufacturer part number, up to 64 characters (Amazon part_number).",
}
# Plain text content columns and their length limits (characters); search terms are limited in bytes instead.
CONTENT_TEXT_LIMITS: dict[str, int] = {
    **{f"bullet_point_{n}": BULLET_MAX_LENGTH for n in range(1, 6)},
    "seo_title": SEO_TITLE_MAX_LENGTH,
    "seo_description": SEO_DESCRIPTION_MAX_LENGTH,
    "manufacturer": 120,
    "model_number": 100,
    "mpn": 64,
}
ATTRIBUTE_PREFIX = "attr:"  # 'attr:material' fills Product.attributes["material"]
METAFIELD_PREFIX = "mf:"  # 'mf:specs.material' fills Product.metafields["specs.material"] (docs/catalog.md#metafields)
PRODUCT_TEXT_LIMITS = {"title": 255, "brand": 120}
MONEY_FIELDS = ("price", "compare_at_price", "cost_price")
MONEY_MAX = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
MONEY_FLOAT_MAX = 1e9  # floats below this keep cent precision, so the fast path is exact
INT_MAX = 2_147_483_647
STATUS_VALUES = {s.value: s.value for s in ProductStatus} | {s.label.lower(): s.value for s in ProductStatus}
_valid_currencies: dict[str, str | None] = {}


class CellError(Exception):
    """A value that cannot be used; the message names the value and what is expected."""


@dataclass
class ColumnMap:
    """Where each known column sits in the sheet, plus what was not recognised."""

    index: dict[str, int] = field(default_factory=dict)
    attributes: dict[str, int] = field(default_factory=dict)
    metafields: dict[str, int] = field(default_factory=dict)  # "namespace.key" -> position
    unknown: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.index


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def map_header(header: list[str]) -> ColumnMap:
    """Match headers case-insensitively, ignoring surrounding spaces; unknown and duplicate headers are reported."""
    mapping = ColumnMap(header=header)
    for position, raw in enumerate(header):
        name = " ".join(str(raw).split()).lower()
        if not name:
            continue
        if name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX):
            mapping.attributes[name[len(ATTRIBUTE_PREFIX) :].strip()] = position
        elif name.startswith(METAFIELD_PREFIX) and "." in name:
            # keys are case-sensitive (A-Za-z0-9_-): take them from the header as written, not lower-cased
            mapping.metafields[str(raw).strip()[len(METAFIELD_PREFIX) :].strip()] = position
        elif name in COLUMNS and name not in mapping.index:
            mapping.index[name] = position
        elif name in COLUMNS:
            mapping.unknown.append(f"{raw} (column {column_letter(position)}: duplicate, ignored)")
        else:
            mapping.unknown.append(f"{raw} (column {column_letter(position)})")
    return mapping


# --- cell conversions: each returns None for a blank cell ---


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: Any) -> str | None:
    if type(value) is str:  # the common case first: this runs for every cell of every row
        if "\x00" in value:
            raise CellError("The text contains a NUL character, which cannot be stored.")
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numbers typed into a text column, e.g. SKU 12345 or a barcode
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        raise CellError(f"'{value}' is a yes/no value, not a number.")
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise CellError(f"'{value}' is a date, not a number; format the column as a number.")
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # 19,90 typed in a comma-decimal locale
    return text


def to_decimal(value: Any) -> Decimal | None:
    if type(value) is float and 0 <= value <= MONEY_FLOAT_MAX:  # fast path for numeric cells
        cents = round(value * 100)
        if abs(value * 100 - cents) < 1e-6:
            return Decimal(cents).scaleb(-2)
    if is_blank(value):
        return None
    text = _number_text(value)
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"'{value}' is not a number.") from exc
    if not number.is_finite():
        raise CellError(f"'{value}' is not a number.")
    if isinstance(value, float):
        number = number.quantize(Decimal("0.0000001")).normalize()  # 19.9 stored as 19.899999999999999
    if number < 0:
        raise CellError(f"{number} is negative; it must be 0 or more.")
    if number != number.quantize(Decimal("0.01")):
        raise CellError(f"{number} has more than 2 decimals.")
    if number > MONEY_MAX:
        raise CellError(f"{number} is too large (at most {MONEY_MAX}).")
    return number.quantize(Decimal("0.01"))


def to_int(value: Any) -> int | None:
    if type(value) is int and 0 <= value <= INT_MAX:
        return value
    if type(value) is float and value.is_integer() and 0 <= value <= INT_MAX:
        return int(value)
    if is_blank(value):
        return None
    text = _number_text(value)
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"'{value}' is not a whole number.") from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(f"'{value}' is not a whole number.")
    if number < 0:
        raise CellError(f"{int(number)} is negative; it must be 0 or more.")
    if number > INT_MAX:
        raise CellError(f"{number} is too large.")
    return int(number)


def to_sku(value: Any) -> str | None:
    text = to_text(value)
    if text is None:
        return None
    if len(text) <= SKU_MAX_LENGTH and SKU_PATTERN.match(text):
        return text  # valid by validate_sku's own pattern; the validator below words the errors
    try:
        validate_sku(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from exc
    return text


def _check_digit_ok(text: str) -> bool:
    """GS1 mod-10 (the rule of validate_gtin) on the ASCII codes, summed in C: from the right, the digits left
    of the check digit weigh 3, 1, 3, ... (each code is the digit + 48). ~4x faster than int() per digit."""
    codes = text.encode("ascii")
    threes, ones = codes[-2::-2], codes[-3::-2]
    total = 3 * (sum(threes) - 48 * len(threes)) + sum(ones) - 48 * len(ones)
    return (10 - total % 10) % 10 == codes[-1] - 48


def is_valid_gtin(text: str) -> bool:
    """Whether `text` is a GTIN validate_gtin accepts, as is (no spaces), without building its error message."""
    return len(text) in GTIN_LENGTHS and text.isdigit() and text.isascii() and _check_digit_ok(text)


def to_barcode(value: Any) -> str | None:
    text = to_text(value)
    if text is None:
        return None
    if is_valid_gtin(text):
        return text
    try:
        validate_gtin(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from exc
    return text


def to_currency(value: Any) -> str | None:
    if _valid_currencies.get(value):  # already-seen exact spelling
        return _valid_currencies[value]
    text = to_text(value)
    if text is None:
        return None
    code = text.upper()
    if code not in _valid_currencies:
        try:
            validate_currency(code)
            _valid_currencies[code] = code
        except ValidationError:
            _valid_currencies[code] = None
    if _valid_currencies[code] is None:
        raise CellError(f"'{text}' is not an ISO 4217 currency code (e.g. USD, MYR).")
    if isinstance(value, str) and len(_valid_currencies) < 1000:
        _valid_currencies[value] = code
    return code


def to_status(value: Any) -> str | None:
    text = to_text(value)
    if text is None:
        return None
    status = STATUS_VALUES.get(text.lower())
    if status is None:
        raise CellError(f"'{text}' is not a status; use draft, active or archived.")
    return status


def to_category_path(value: Any) -> tuple[str, ...] | None:
    text = to_text(value)
    if text is None:
        return None
    return _category_path(text)


@functools.lru_cache(maxsize=4096)  # files repeat a few hundred paths over many rows
def _category_path(text: str) -> tuple[str, ...]:
    names = tuple(" ".join(part.split()) for part in text.split(">") if part.strip())
    if not names:
        raise CellError(f"'{text}' is not a category path such as 'Home > Kitchen'.")
    too_long = [n for n in names if len(n) > 200]
    if too_long:
        raise CellError(f"Category name '{too_long[0][:40]}...' is longer than 200 characters.")
    return names


def to_url_list(value: Any) -> list[str]:
    text = to_text(value)
    if text is None:
        return []
    urls = [u.strip() for u in text.split(";") if u.strip()]
    bad = [u for u in urls if not u.lower().startswith(("http://", "https://")) or any(c.isspace() for c in u)]
    if bad:
        raise CellError(f"'{bad[0]}' is not an http(s) address.")
    return urls


def to_name_list(value: Any) -> list[str]:
    text = to_text(value)
    if text is None:
        return []
    names: list[str] = []
    for name in (n.strip() for n in text.split(",")):
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def text_limited_to(limit: int) -> Callable[[Any], str | None]:
    def convert(value: Any) -> str | None:
        text = to_text(value)
        if text and len(text) > limit:
            raise CellError(f"Text is {len(text)} characters long; at most {limit} are allowed.")
        return text or None

    return convert


def to_search_terms(value: Any) -> str | None:
    text = to_text(value)
    message = search_terms_error(text) if text else None
    if message:
        raise CellError(message)
    return text


def to_handle(value: Any) -> str | None:
    text = to_text(value)
    if text is None:
        return None
    text = text.lower()
    message = handle_error(text) or (f"Handle is {len(text)} characters long; at most 255." if len(text) > 255 else "")
    if message:
        raise CellError(message)
    return text


def limited_text(value: Any, limit: int) -> str | None:
    text = to_text(value)
    if text is not None and len(text) > limit:
        raise CellError(f"Text is {len(text)} characters long; at most {limit} are allowed.")
    return text


def json_safe(value: Any) -> Any:
    """Cell or field values as JSON (for ImportRow snapshots and the error workbook)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return value
    return str(value)
