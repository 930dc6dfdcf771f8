"""What a price rule's `config` holds per `rule_type`, and its validation: each refusal names the field
(docs/pricing.md#price-rules). Pure functions; the model, the API and the engine share them."""

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

SCOPES = ("all", "channel", "category", "tag", "listing")
TYPES = ("margin_floor", "competitor_match", "competitor_beat", "time_based", "inventory_based")
REQUIRED: dict[str, tuple[str, ...]] = {
    "margin_floor": ("min_margin_pct",),
    "competitor_match": (),
    "competitor_beat": (),  # one of beat_by_amount / beat_by_pct, checked below
    "time_based": ("price_change_pct", "weekdays", "start_time", "end_time"),
    "inventory_based": ("when_below", "price_change_pct"),
}
# Guard settings any rule may carry (all optional).
GUARD_KEYS = ("max_step_amount", "max_step_pct", "max_changes_per_day", "oscillation_window_hours", "our_shipping")
KNOWN = {
    "margin_floor": {"min_margin_pct"},
    "competitor_match": {"min_margin_pct"},
    "competitor_beat": {"min_margin_pct", "beat_by_amount", "beat_by_pct"},
    "time_based": {
        "min_margin_pct",
        "price_change_pct",
        "weekdays",
        "start_time",
        "end_time",
        "start_date",
        "end_date",
    },
    "inventory_based": {"min_margin_pct", "when_below", "price_change_pct"},
}


def decimal_of(value: Any) -> Decimal | None:
    """A number from JSON (string or number, never a boolean); None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _time_of(value: Any) -> time | None:
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _date_of(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Window:
    """A recurring window: these weekdays (0 = Monday), from start_time to end_time, between two dates."""

    weekdays: frozenset[int]
    start_time: time
    end_time: time
    start_date: date | None
    end_date: date | None

    def matches(self, when: Any) -> bool:
        day = when.date()
        if self.start_date is not None and day < self.start_date:
            return False
        if self.end_date is not None and day > self.end_date:
            return False
        return when.weekday() in self.weekdays and self.start_time <= when.time() < self.end_time


def window_of(config: dict[str, Any]) -> Window:
    """The window of a validated time_based config."""
    start, end = _time_of(config["start_time"]), _time_of(config["end_time"])
    if start is None or end is None:
        raise ValueError("start_time and end_time must be times like 09:00.")
    return Window(
        frozenset(config["weekdays"]),
        start,
        end,
        _date_of(config.get("start_date")),
        _date_of(config.get("end_date")),
    )


def _schedule_errors(config: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    weekdays = config["weekdays"]
    if not isinstance(weekdays, list) or any(isinstance(d, bool) or d not in range(7) for d in weekdays):
        errors["config.weekdays"] = "weekdays must be a list of 0 (Monday) to 6 (Sunday)."
    elif not weekdays:
        errors["config.weekdays"] = "weekdays is empty: the schedule never matches."
    start, end = _time_of(config["start_time"]), _time_of(config["end_time"])
    if start is None:
        errors["config.start_time"] = "start_time must be a time like 09:00."
    if end is None:
        errors["config.end_time"] = "end_time must be a time like 17:00."
    if start is not None and end is not None and start >= end:
        errors["config.end_time"] = f"end_time {end} is not after start_time {start}: the schedule never matches."
    dates = {}
    for name in ("start_date", "end_date"):
        if config.get(name) is not None:
            dates[name] = _date_of(config[name])
            if dates[name] is None:
                errors[f"config.{name}"] = f"{name} must be a date like 2026-12-01."
    first, last = dates.get("start_date"), dates.get("end_date")
    if first and last and not errors:
        if last < first:
            errors["config.end_date"] = f"end_date {last} is before start_date {first}: the schedule never matches."
        elif (last - first).days < 6:
            days = {(first + timedelta(days=i)).weekday() for i in range((last - first).days + 1)}
            if not days & set(weekdays):
                errors["config.weekdays"] = (
                    f"None of the weekdays falls between {first} and {last}: the schedule never matches."
                )
    return errors


def _pct_errors(config: dict[str, Any], name: str, *, low: Decimal, high: Decimal, strict_high: bool) -> dict:
    value = decimal_of(config[name])
    if value is None:
        return {f"config.{name}": f"{name} must be a number."}
    if value < low or value > high or (strict_high and value >= high):
        bound = f"below {high}" if strict_high else f"at most {high}"
        return {f"config.{name}": f"{name} must be at least {low} and {bound} (got {value})."}
    return {}


def config_errors(rule_type: str, config: Any) -> dict[str, str]:
    """Errors keyed `config.<field>` (or `config`), each naming the field."""
    if not isinstance(config, dict):
        return {"config": "config must be a JSON object."}
    if rule_type not in REQUIRED:
        return {}
    errors: dict[str, str] = {}
    for name in REQUIRED[rule_type]:
        if config.get(name) is None:
            errors[f"config.{name}"] = f"{rule_type} needs config.{name}."
    unknown = sorted(set(config) - KNOWN[rule_type] - set(GUARD_KEYS))
    if unknown:
        errors["config"] = f"Unknown config field(s) for {rule_type}: {', '.join(unknown)}."
    if rule_type == "competitor_beat":
        given = [name for name in ("beat_by_amount", "beat_by_pct") if config.get(name) is not None]
        if len(given) != 1:
            errors["config.beat_by_amount"] = "competitor_beat needs exactly one of config.beat_by_amount, beat_by_pct."
        for name in given:
            errors |= _pct_errors(config, name, low=Decimal("0"), high=Decimal("100"), strict_high=True)
    if errors:
        return errors
    if config.get("min_margin_pct") is not None:
        errors |= _pct_errors(config, "min_margin_pct", low=Decimal("0"), high=Decimal("100"), strict_high=True)
    if "price_change_pct" in config:
        errors |= _pct_errors(config, "price_change_pct", low=Decimal("-99"), high=Decimal("1000"), strict_high=False)
    if rule_type == "inventory_based":
        below = config["when_below"]
        if isinstance(below, bool) or not isinstance(below, int) or below < 1:
            errors["config.when_below"] = "when_below must be a whole number of units, at least 1."
    if rule_type == "time_based":
        errors |= _schedule_errors(config)
    for name in ("max_step_amount", "max_step_pct", "our_shipping", "oscillation_window_hours"):
        if config.get(name) is not None:
            value = decimal_of(config[name])
            if value is None or value < 0:
                errors[f"config.{name}"] = f"{name} must be a number of at least 0."
    if config.get("max_changes_per_day") is not None:
        value = config["max_changes_per_day"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            errors["config.max_changes_per_day"] = "max_changes_per_day must be a whole number, at least 1."
    return errors


def rule_errors(applies_to: str, scope_value: str, rule_type: str, config: Any) -> dict[str, str]:
    """Errors of a whole rule, keyed by field (`config.<name>` for config fields)."""
    errors: dict[str, str] = {}
    if applies_to not in SCOPES:
        errors["applies_to"] = f"applies_to must be one of {', '.join(SCOPES)}."
    elif applies_to != "all" and not (scope_value or "").strip():
        errors["scope_value"] = f"scope_value is required when applies_to is {applies_to}."
    elif applies_to in ("listing",) and not str(scope_value).strip().isdigit():
        errors["scope_value"] = "scope_value must be a listing id when applies_to is listing."
    if rule_type not in TYPES:
        errors["rule_type"] = f"rule_type must be one of {', '.join(TYPES)}."
    errors |= config_errors(rule_type, config)
    return errors
