"""A feed's column mapping: check it, and turn a supplier row into a row of our import columns (pure, no
database). The transforms are listed in docs/operations.md#mapping.

mapping = {"<our column>": {"from": "<their column>" | ["<col>", ...], "transform": <transform> | [<transform>, ...]}}
A transform is "rename" (the default) or an object with a "type": constant, split, join, unit, category_map, price.
"""

from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from croniter import croniter

from catalog.importing.columns import ATTRIBUTE_PREFIX, COLUMNS

# grams per unit, for the `unit` transform of weights (our column weight_grams is in grams)
UNITS = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "mg": Decimal("0.001"),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}
TRANSFORM_TYPES = ("rename", "constant", "split", "join", "unit", "category_map", "price")
ROUNDINGS = ("0.01", "0.05", "0.10", "1", "0.99")


class MappingError(Exception):
    """The mapping itself is wrong (checked on save and at run); the message names the column."""


def cron_check(expression: str) -> None:
    """Raise MappingError unless `expression` is a cron expression croniter (django-q2's cron) understands."""
    if expression.strip() and not croniter.is_valid(expression.strip()):
        raise MappingError(f"Schedule '{expression}' is not a cron expression (e.g. '0 3 * * *': daily at 03:00).")


def is_our_column(name: str) -> bool:
    return name in COLUMNS or (name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX))


def _transforms(spec: dict[str, Any]) -> list[Any]:
    transform = spec.get("transform", "rename")
    return transform if isinstance(transform, list) else [transform]


def mapping_check(mapping: Any, their_columns: Iterable[str] | None = None) -> None:
    """Refuse a mapping to a column we do not import, a transform we do not know, or (at run time, when the
    file's columns are known) a supplier column the file does not have."""
    if not isinstance(mapping, dict) or not mapping:
        raise MappingError('The mapping must be an object {"<our column>": {"from": "<their column>"}}.')
    if "sku" not in mapping:
        raise MappingError("The mapping must fill the sku column.")
    known = set(their_columns) if their_columns is not None else None
    for ours, spec in mapping.items():
        if not is_our_column(ours):
            raise MappingError(f"'{ours}' is not an import column; use one of {', '.join(COLUMNS)} or attr:<name>.")
        if not isinstance(spec, dict):
            raise MappingError(f"{ours}: the mapping of a column must be an object with 'from' and 'transform'.")
        sources = spec.get("from")
        names = sources if isinstance(sources, list) else [sources] if sources else []
        transforms = _transforms(spec)
        kinds = [t if isinstance(t, str) else t.get("type") if isinstance(t, dict) else None for t in transforms]
        for kind, transform in zip(kinds, transforms, strict=True):
            if kind not in TRANSFORM_TYPES:
                raise MappingError(f"{ours}: unknown transform {kind!r}; use one of {', '.join(TRANSFORM_TYPES)}.")
            _check_transform(ours, kind, transform if isinstance(transform, dict) else {})
        if not names and "constant" not in kinds:
            raise MappingError(f"{ours}: say which supplier column it comes 'from' (or use a constant).")
        if known is not None:
            missing = [n for n in names if n not in known]
            if missing:
                raise MappingError(
                    f"{ours}: the file has no column {', '.join(map(repr, missing))}; its columns are "
                    f"{', '.join(sorted(known)[:30])}."
                )


def _check_transform(ours: str, kind: str, t: dict[str, Any]) -> None:
    if kind == "unit" and (t.get("from_unit") not in UNITS or t.get("to_unit", "g") not in UNITS):
        raise MappingError(f"{ours}: unit conversion needs from_unit and to_unit among {', '.join(UNITS)}.")
    if kind == "category_map" and not isinstance(t.get("table", {}), dict):
        raise MappingError(f"{ours}: category_map needs a 'table' object of supplier path -> our path.")
    if kind == "price":
        if t.get("rounding", "0.01") not in ROUNDINGS:
            raise MappingError(f"{ours}: price rounding must be one of {', '.join(ROUNDINGS)}.")
        try:
            Decimal(str(t.get("markup_percent", 0)))
            Decimal(str(t.get("add", 0)))
        except InvalidOperation:
            raise MappingError(f"{ours}: markup_percent and add must be numbers.") from None
    if kind == "split":
        try:
            int(t.get("index", 0))
        except (TypeError, ValueError):
            raise MappingError(f"{ours}: split index must be a whole number.") from None


class ValueProblem(Exception):
    """One cell could not be transformed; the row goes to the import with the cell empty and a warning."""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any, what: str) -> Decimal:
    try:
        return Decimal(_text(value).replace(",", "."))
    except InvalidOperation:
        raise ValueProblem(f"{what}: {value!r} is not a number") from None


def _apply(kind: str, t: dict[str, Any], value: Any, sources: list[Any]) -> Any:
    if kind == "rename":
        return value
    if kind == "constant":
        return t.get("value", "")
    if kind == "split":
        parts = [p.strip() for p in _text(value).split(t.get("separator", ","))]
        index = int(t.get("index", 0))
        return parts[index] if -len(parts) <= index < len(parts) else ""
    if kind == "join":
        return t.get("separator", " ").join(_text(v) for v in sources if _text(v))
    if kind == "unit":
        if _text(value) == "":
            return ""
        grams = _number(value, "unit conversion") * UNITS[t["from_unit"]]
        result = grams / UNITS[t.get("to_unit", "g")]
        return str(result.quantize(Decimal(1), ROUND_HALF_UP)) if t.get("to_unit", "g") == "g" else str(result)
    if kind == "category_map":
        separator = t.get("separator", ">")
        key = " > ".join(p.strip() for p in _text(value).split(separator) if p.strip())
        table = {" > ".join(p.strip() for p in k.split(separator) if p.strip()): v for k, v in t["table"].items()}
        return table.get(key, key if t.get("keep_unmapped", True) else "")
    if kind == "price":
        if _text(value) == "":
            return ""
        price = _number(value, "price")
        price = price * (1 + _number(t.get("markup_percent", 0), "markup") / 100) + _number(t.get("add", 0), "add")
        return str(_round_price(price, t.get("rounding", "0.01")))
    raise ValueProblem(f"unknown transform {kind!r}")


def _round_price(price: Decimal, rounding: str) -> Decimal:
    if rounding == "0.99":  # up to the next whole number, minus a cent: 12.20 -> 12.99
        return max(Decimal("0.99"), price.quantize(Decimal(1), ROUND_CEILING) - Decimal("0.01"))
    step = Decimal(rounding)
    return ((price / step).quantize(Decimal(1), ROUND_HALF_UP) * step).quantize(Decimal("0.01"))


def map_row(mapping: dict[str, Any], row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Our row for one supplier row, and the problems met (each leaves its cell empty)."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for ours, spec in mapping.items():
        names = spec.get("from")
        sources = [row.get(n) for n in names] if isinstance(names, list) else [row.get(names)] if names else []
        value: Any = sources[0] if sources else None
        try:
            for transform in _transforms(spec):
                kind = transform if isinstance(transform, str) else transform["type"]
                value = _apply(kind, transform if isinstance(transform, dict) else {}, value, sources)
        except ValueProblem as exc:
            problems.append(f"{ours}: {exc}")
            value = ""
        out[ours] = "" if value is None else value
    return out, problems
