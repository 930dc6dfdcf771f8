"""Metafield values checked and normalised by their definition's type (pure: callers pass the definitions).

Values are stored in `Product.metafields` / `Variant.metafields` as {"namespace.key": value}: one value per
(owner, namespace, key) by construction. Stored forms: text as str, integer as int, decimal as a canonical
decimal string, boolean as bool, date as "YYYY-MM-DD", URL as str, JSON as any JSON value. Text from a form or
a spreadsheet cell is coerced first ("12" to 12, "yes" to True); see docs/catalog.md#metafields.
"""

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from .choices import MetafieldType

NAMESPACE_MIN, NAMESPACE_MAX = 3, 255
KEY_MIN, KEY_MAX = 2, 64
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
INTEGER_MAX = 2**53 - 1  # Shopify number_integer range (a JSON-safe integer)
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


class MetafieldError(ValueError):
    """A value that does not fit its definition; the message names the metafield and what is expected."""


class DefinitionSpec(Protocol):
    namespace: str
    key: str
    type: str
    validations: Any
    is_required: bool


def full_key(definition: DefinitionSpec) -> str:
    return f"{definition.namespace}.{definition.key}"


def namespace_error(value: str) -> str | None:
    if not NAMESPACE_MIN <= len(value or "") <= NAMESPACE_MAX:
        return f"Namespace must be {NAMESPACE_MIN}–{NAMESPACE_MAX} characters (got {len(value or '')})."
    if not NAME_PATTERN.match(value):
        return f"Namespace '{value}' may hold letters, digits, '_' and '-' only."
    return None


def key_error(value: str) -> str | None:
    if not KEY_MIN <= len(value or "") <= KEY_MAX:
        return f"Key must be {KEY_MIN}–{KEY_MAX} characters (got {len(value or '')})."
    if not KEY_PATTERN.match(value):
        bad = "".join(sorted({c for c in value if not re.match(r"[A-Za-z0-9_-]", c)}))
        return f"Key '{value}' has characters other than A-Z a-z 0-9 _ - ({bad!r})."
    return None


def _text(definition: DefinitionSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise MetafieldError(f"'{full_key(definition)}' must be text, got {value!r}.")
    if definition.type == MetafieldType.SINGLE_LINE_TEXT and ("\n" in value or "\r" in value):
        raise MetafieldError(f"'{full_key(definition)}' is single-line text; remove the line breaks.")
    return value


def _integer(definition: DefinitionSpec, value: Any) -> int:
    whole_text = isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value)
    if whole_text or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > INTEGER_MAX:
        raise MetafieldError(f"'{full_key(definition)}' must be a whole number, got {value!r}.")
    return value


def _decimal(definition: DefinitionSpec, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise MetafieldError(f"'{full_key(definition)}' must be a decimal number, got {value!r}.")
    try:
        number = Decimal(str(value).strip().replace(",", ".") if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise MetafieldError(f"'{full_key(definition)}' must be a decimal number, got {value!r}.") from None
    if not number.is_finite():
        raise MetafieldError(f"'{full_key(definition)}' must be a decimal number, got {value!r}.")
    return format(number.normalize(), "f")


def _boolean(definition: DefinitionSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise MetafieldError(f"'{full_key(definition)}' must be true or false, got {value!r}.")


def _date(definition: DefinitionSpec, value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise MetafieldError(f"'{full_key(definition)}' must be a date as YYYY-MM-DD, got {value!r}.")


def _url(definition: DefinitionSpec, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value.strip()):
        raise MetafieldError(f"'{full_key(definition)}' must be an http(s) URL, got {value!r}.")
    return value.strip()


def _json(definition: DefinitionSpec, value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise MetafieldError(f"'{full_key(definition)}' must be JSON, got {value!r}.") from None
    return value


COERCE = {
    MetafieldType.SINGLE_LINE_TEXT: _text,
    MetafieldType.MULTI_LINE_TEXT: _text,
    MetafieldType.INTEGER: _integer,
    MetafieldType.DECIMAL: _decimal,
    MetafieldType.BOOLEAN: _boolean,
    MetafieldType.DATE: _date,
    MetafieldType.URL: _url,
    MetafieldType.JSON: _json,
}


def _check_validations(definition: DefinitionSpec, value: Any) -> None:
    rules: Mapping[str, Any] = definition.validations or {}
    name = full_key(definition)
    measured: Any = value
    if definition.type in (MetafieldType.SINGLE_LINE_TEXT, MetafieldType.MULTI_LINE_TEXT, MetafieldType.URL):
        measured = len(value)
        unit = " characters"
    elif definition.type == MetafieldType.DECIMAL:
        measured, unit = Decimal(value), ""
    elif definition.type in (MetafieldType.INTEGER, MetafieldType.DATE):
        unit = ""
    else:
        return
    low, high = rules.get("min"), rules.get("max")
    if low is not None and measured < _bound(definition, low):
        raise MetafieldError(f"'{name}' must be at least {low}{unit}; got {value!r}.")
    if high is not None and measured > _bound(definition, high):
        raise MetafieldError(f"'{name}' must be at most {high}{unit}; got {value!r}.")
    if isinstance(value, str) and rules.get("regex") and not re.fullmatch(str(rules["regex"]), value):
        raise MetafieldError(f"'{name}' must match {rules['regex']}; got {value!r}.")
    choices = rules.get("choices")
    if choices and value not in choices:
        raise MetafieldError(f"'{name}' must be one of {', '.join(map(str, choices))}; got {value!r}.")


def _bound(definition: DefinitionSpec, bound: Any) -> Any:
    if definition.type == MetafieldType.DECIMAL:
        return Decimal(str(bound))
    if definition.type == MetafieldType.DATE:
        return str(bound)
    return int(bound)


def metafield_value(definition: DefinitionSpec, value: Any) -> Any:
    """The stored form of `value` for `definition`, or MetafieldError saying what is wrong."""
    coerced = COERCE[MetafieldType(definition.type)](definition, value)
    _check_validations(definition, coerced)
    return coerced


def validations_errors(kind: str, validations: Any) -> list[str]:
    """Problems of a definition's validations object ({min, max, regex, choices}) for its type."""
    if not isinstance(validations, dict):
        return ["Validations must be an object with any of min, max, regex, choices."]
    errors = []
    unknown = sorted(set(validations) - {"min", "max", "regex", "choices"})
    if unknown:
        errors.append(f"Unknown validation(s): {', '.join(unknown)}; use min, max, regex, choices.")
    if "regex" in validations:
        try:
            re.compile(str(validations["regex"]))
        except re.error as exc:
            errors.append(f"regex does not compile: {exc}.")
    if "choices" in validations and not isinstance(validations["choices"], list):
        errors.append("choices must be a list of values.")
    if kind in (MetafieldType.BOOLEAN, MetafieldType.JSON) and ({"min", "max"} & set(validations)):
        errors.append(f"min and max do not apply to {kind}.")
    return errors


def metafields_clean(definitions: Iterable[DefinitionSpec], values: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """(normalised values, errors by "namespace.key"). An unknown key is an error; a blank value is dropped.

    A missing required metafield does not refuse a save: readiness blocks the listings that need it."""
    if not isinstance(values, dict):
        return {}, {"metafields": 'Metafields must be an object of "namespace.key": value pairs.'}
    by_key = {full_key(d): d for d in definitions}
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        definition = by_key.get(name)
        if definition is None:
            errors[name] = f"No metafield definition '{name}' for this owner; define it first."
            continue
        if value is None or value == "":
            continue  # blank: no value
        try:
            clean[name] = metafield_value(definition, value)
        except MetafieldError as exc:
            errors[name] = str(exc)
    return clean, errors


def metafield_text(kind: str, value: Any) -> str:
    """A stored value as the text Shopify's `MetafieldInput.value` takes (booleans 'true'/'false', JSON encoded)."""
    if kind == MetafieldType.BOOLEAN:
        return "true" if value else "false"
    if kind == MetafieldType.JSON:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)
