"""The runtime settings catalogue and how their values are typed, checked and stored
(docs/configuration.md#runtime-settings). Pure functions plus the Fernet helpers; no queries.

Each setting the code knows is a `SettingSpec`: its type, category, description, default (a literal, or the
Django setting that holds the deployment's default, so the environment still decides until someone sets a
value) and an optional per-key check. The first migration writes one row per spec.
"""

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.choices import SettingDataType as T
from common.crypto import text_decrypt, text_encrypt

SECRET_MASK = "••••••"  # what pages, the API and the audit log show of a secret that is set
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})
SCORING_WEIGHT_KEYS = ("seo", "content", "images", "competitive", "compliance")
WEIGHTS_SUM_TOLERANCE = Decimal("0.001")


def _weights_check(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError('Give an object of weights, e.g. {"seo": 0.25, ...}.')
    unknown = sorted(set(value) - set(SCORING_WEIGHT_KEYS))
    missing = [k for k in SCORING_WEIGHT_KEYS if k not in value]
    if unknown or missing:
        raise ValidationError(
            f"Weights need exactly the keys {', '.join(SCORING_WEIGHT_KEYS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + "."
        )
    total = Decimal(0)
    for name in SCORING_WEIGHT_KEYS:
        weight = value[name]
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ValidationError(f"The weight of {name} must be a number between 0 and 1.")
        if not 0 <= weight <= 1:
            raise ValidationError(f"The weight of {name} must be between 0 and 1 (got {weight}).")
        total += Decimal(str(weight))
    if abs(total - 1) > WEIGHTS_SUM_TOLERANCE:
        raise ValidationError(f"The weights must add up to 1 (they add up to {total.normalize()}).")


def _calendar_check(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Give an object with diy_peak_months and holiday_weeks.")
    months = value.get("diy_peak_months", [])
    if not isinstance(months, list) or any(isinstance(m, bool) or m not in range(1, 13) for m in months):
        raise ValidationError("diy_peak_months must be a list of month numbers 1-12.")
    weeks = value.get("holiday_weeks", [])
    if not isinstance(weeks, list):
        raise ValidationError("holiday_weeks must be a list of dates (YYYY-MM-DD).")
    for week in weeks:
        try:
            dt.date.fromisoformat(str(week))
        except ValueError:
            raise ValidationError(f"holiday_weeks: {week!r} is not a date (YYYY-MM-DD).") from None


def between(low: float, high: float | None = None, *, below: float | None = None) -> Callable[[Any], None]:
    """A check that the number lies in [low, high] (or [low, below) with `below`; no upper bound without either)."""

    def check(value: Any) -> None:
        number = Decimal(str(value))
        too_high = (high is not None and number > Decimal(str(high))) or (
            below is not None and number >= Decimal(str(below))
        )
        if number < Decimal(str(low)) or too_high:
            if high is not None:
                raise ValidationError(f"Must be between {low:g} and {high:g}.")
            if below is not None:
                raise ValidationError(f"Must be at least {low:g} and below {below:g}.")
            raise ValidationError(f"Must be at least {low:g}.")

    return check


@dataclass(frozen=True)
class SettingSpec:
    key: str
    data_type: str
    category: str
    description: str
    default: Any = None
    env: str = ""  # a Django setting (read from the environment) that gives the default
    validation_regex: str = ""
    is_required: bool = False
    check: Callable[[Any], None] | None = None

    def default_now(self) -> Any:
        """The default as stored (JSON-ready): the Django setting's current value, else the literal."""
        if self.env:
            return value_store(self.data_type, value_parse(self.data_type, getattr(settings, self.env)))
        return self.default


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "scoring.weights",
        T.JSON,
        "scoring",
        "Weights of the listing score's parts (five keys, each 0-1, adding up to 1).",
        default={"seo": 0.25, "content": 0.25, "images": 0.20, "competitive": 0.15, "compliance": 0.15},
        is_required=True,
        check=_weights_check,
    ),
    SettingSpec(
        "sync.sp_api.interval_minutes",
        T.INTEGER,
        "sync",
        "How often to sync from Amazon SP-API, in minutes.",
        default=60,
        is_required=True,
        check=between(1, 24 * 60),
    ),
    SettingSpec(
        "sync.keepa.tokens_per_minute",
        T.INTEGER,
        "sync",
        "Keepa API rate limit (tokens per minute).",
        default=21,
        check=between(1, 10_000),
    ),
    SettingSpec(
        "sync.keepa.api_key",
        T.SECRET,
        "sync",
        "Keepa API key (encrypted; write-only).",
        validation_regex=r"^[A-Za-z0-9]{16,128}$",
    ),
    SettingSpec(
        "pricing.default_margin_floor",
        T.DECIMAL,
        "pricing",
        "Default minimum net margin, in % of the price, for listings without their own floor.",
        env="PRICING_DEFAULT_MARGIN_FLOOR",
        is_required=True,
        check=between(0, below=100),
    ),
    SettingSpec(
        "seasonality.uk_calendar",
        T.JSON,
        "seasonality",
        "UK seasonal patterns: DIY peak months and holiday weeks.",
        default={"diy_peak_months": [3, 4, 5, 6, 7, 8], "holiday_weeks": ["2025-12-22", "2025-12-29"]},
        check=_calendar_check,
    ),
    SettingSpec(
        "inventory.low_stock_threshold",
        T.INTEGER,
        "thresholds",
        "Available quantity at or below which a variant without its own threshold is low on stock.",
        env="INVENTORY_LOW_STOCK_THRESHOLD",
        is_required=True,
        check=between(0),
    ),
    SettingSpec(
        "customers.vip_spend",
        T.DECIMAL,
        "thresholds",
        "Total spent from which a customer is in the VIP segment.",
        env="CUSTOMER_VIP_SPEND",
        is_required=True,
        check=between(0),
    ),
    SettingSpec(
        "customers.at_risk_days",
        T.INTEGER,
        "thresholds",
        "Days without an order after which a repeat customer is at risk.",
        env="CUSTOMER_AT_RISK_DAYS",
        is_required=True,
        check=between(1),
    ),
    SettingSpec(
        "costs.overhead_pct",
        T.DECIMAL,
        "thresholds",
        "Overhead added to the bill of materials, in %.",
        env="COSTS_OVERHEAD_PCT",
        is_required=True,
        check=between(0, 1000),
    ),
    SettingSpec(
        "costs.price_expiry_alert_days",
        T.INTEGER,
        "thresholds",
        "Days before a supplier price ends that it is flagged.",
        env="COSTS_PRICE_EXPIRY_ALERT_DAYS",
        check=between(0, 365),
    ),
)
SPECS_BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SPECS}


def value_parse(data_type: str, raw: Any) -> Any:
    """The typed value of `raw` (text from a form, or a JSON value from the API); ValidationError if it does not
    fit the type."""
    if data_type in (T.STRING, T.SECRET):
        if not isinstance(raw, str):
            raise ValidationError("Must be text.")
        return raw
    if data_type == T.INTEGER:
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not re.fullmatch(r"\s*-?\d+\s*", str(raw)):
            raise ValidationError(f"Must be a whole number (got {raw!r}).")
        return int(raw)
    if data_type == T.DECIMAL:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise ValidationError(f"Must be a number (got {raw!r}).")
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError(f"Must be a number (got {raw!r}).") from None
        if not number.is_finite():
            raise ValidationError("Must be a finite number.")
        return number
    if data_type == T.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower() if isinstance(raw, str | int) else None
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(f"Must be true or false (got {raw!r}).")
    if data_type == T.JSON:
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except ValueError as exc:
                raise ValidationError(f"Not valid JSON: {exc}.") from None
        return raw
    raise ValidationError(f"Unknown type {data_type!r}.")  # pragma: no cover - the model's constraint


def value_text(data_type: str, value: Any) -> str:
    """The text a validation regex is matched against."""
    if data_type == T.JSON:
        return json.dumps(value, sort_keys=True)
    if data_type == T.BOOLEAN:
        return "true" if value else "false"
    return str(value)


def value_store(data_type: str, value: Any) -> Any:
    """What the row's JSON column holds for a typed value (a secret: its ciphertext)."""
    if data_type == T.SECRET:
        return text_encrypt(value)
    if data_type == T.DECIMAL:
        return str(value)
    return value


def value_load(data_type: str, stored: Any, *, key: str = "") -> Any:
    """The typed value of a stored one (a secret decrypted)."""
    if stored is None:
        return None
    if data_type == T.SECRET:
        return text_decrypt(stored, what=f"The setting {key}")
    if data_type == T.DECIMAL:
        return Decimal(str(stored))
    return stored


def value_display(data_type: str, stored: Any) -> Any:
    """What pages, the API and the audit log may show of a stored value: a secret only as a mask."""
    if stored is None:
        return None
    if data_type == T.SECRET:
        return SECRET_MASK if stored else ""
    return stored
