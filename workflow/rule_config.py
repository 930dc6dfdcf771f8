"""The language of automation rules (docs/automation.md): trigger configs, conditions, action configs and
templates, each checked with messages that name the field; and the pure decisions taken on them (a condition list
against a listing's values, a metric against a threshold, whether a cron time has come). No database here.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from string import Formatter
from typing import Any

from croniter import croniter

from .choices import ActionType, TaskType, TriggerType

# Events a rule can wait for (docs/automation.md#events); each names the listings it is about.
EVENT_TYPES: dict[str, str] = {
    "listing.synced": "A push to the marketplace succeeded",
    "listing.error": "The marketplace refused a push",
    "listing.suppressed": "A pull found the listing suppressed or rejected",
    "order.created": "A new order came in with the listing on it",
    "stock.low": "Available stock fell to the low-stock threshold",
    "stock.oversold": "Orders took more than was available",
    "alert.created": "A competitor alert or a rule's alert was raised",
    "version.marketplace": "The marketplace changed the listing's content",
    "task.created": "An automation rule created a task",
}
# Metrics a threshold rule compares (docs/automation.md#triggers).
METRICS: dict[str, str] = {
    "score": "Listing score, 0-100",
    "net_margin_pct": "Net margin % at the current price",
    "available": "Units available to sell",
    "price": "Current price",
}
COMPETITIVE_EVENTS: dict[str, str] = {
    "competitor_price_drop": "A competitor dropped its price by at least threshold_pct %",
    "buy_box_lost": "We lost the buy box",
}
THRESHOLD_OPERATORS = ("lt", "lte", "gt", "gte", "eq", "ne")
CONDITION_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains")
# Condition fields and their kind: the values come from workflow.rule_selectors.listing_values.
CONDITION_FIELDS: dict[str, str] = {
    "listing.id": "number",
    "listing.status": "text",
    "listing.remote_status": "text",
    "listing.price": "number",
    "listing.external_id": "text",
    "listing.tags": "list",
    "listing.score": "number",
    "product.sku": "text",
    "product.title": "text",
    "product.brand": "text",
    "product.status": "text",
    "product.category": "text",
    "channel.id": "number",
    "channel.name": "text",
    "channel.marketplace": "text",
    "channel.country": "text",
}
# Names a title or message template may use, e.g. "Review {sku} on {channel}".
TEMPLATE_NAMES: dict[str, str] = {
    "listing_id": "the listing's id",
    "sku": "the SKU",
    "title": "the listing's title",
    "brand": "the brand",
    "channel": "the channel's name",
    "marketplace": "the marketplace",
    "asin": "the marketplace's item id (ASIN on Amazon)",
    "price": "the current price",
    "status": "the listing's status",
    "rule": "the rule's name",
    "metric": "the threshold metric",
    "value": "the metric's value, or the event",
}
CONTENT_TEMPLATE_FIELDS = ("title", "description", "short_description", "seo_title", "seo_description", "search_terms")
PRICE_CHANGE_TYPES = ("percentage", "amount")
ALERT_SEVERITIES = ("low", "medium", "high")
TAG_MAX_LENGTH = 50
# What each action itself makes happen: an event trigger among these would fire the rule again on its own action.
ACTION_EMITS: dict[str, frozenset[str]] = {
    ActionType.CREATE_TASK: frozenset({"task.created"}),
    ActionType.SEND_ALERT: frozenset({"alert.created"}),
    ActionType.UPDATE_PRICE: frozenset({"listing.synced", "listing.error"}),
    ActionType.APPLY_TEMPLATE: frozenset({"listing.synced", "listing.error"}),
    ActionType.PAUSE_LISTING: frozenset({"listing.synced", "listing.error"}),
    ActionType.TAG_LISTING: frozenset(),
}
MAX_CASCADE_DEPTH = 3


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _unknown_keys(config: Mapping[str, Any], allowed: Iterable[str], label: str) -> list[str]:
    extra = sorted(set(config) - set(allowed))
    return [f"{label}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}."] if extra else []


def cron_valid(expression: Any) -> bool:
    return isinstance(expression, str) and bool(expression.strip()) and croniter.is_valid(expression.strip())


def trigger_errors(trigger_type: str, config: Any) -> list[str]:
    """What is wrong with a trigger's config (empty: nothing)."""
    if not isinstance(config, dict):
        return ["Give the trigger config as an object."]
    if trigger_type == TriggerType.THRESHOLD:
        errors = _unknown_keys(config, ("metric", "operator", "value"), "threshold")
        if config.get("metric") not in METRICS:
            errors.append(f"metric must be one of {', '.join(METRICS)} (got {config.get('metric')!r}).")
        if config.get("operator") not in THRESHOLD_OPERATORS:
            errors.append(f"operator must be one of {', '.join(THRESHOLD_OPERATORS)} (got {config.get('operator')!r}).")
        if _decimal(config.get("value")) is None:
            errors.append(f"value must be a number (got {config.get('value')!r}).")
        return errors
    if trigger_type == TriggerType.COMPETITIVE:
        errors = _unknown_keys(config, ("event", "threshold_pct"), "competitive")
        event = config.get("event")
        if event not in COMPETITIVE_EVENTS:
            errors.append(f"event must be one of {', '.join(COMPETITIVE_EVENTS)} (got {event!r}).")
        if event == "competitor_price_drop":
            pct = _decimal(config.get("threshold_pct"))
            if pct is None or not 0 < pct <= 100:
                errors.append(
                    f"threshold_pct must be a number above 0 and at most 100 (got {config.get('threshold_pct')!r})."
                )
        return errors
    if trigger_type == TriggerType.TIME_BASED:
        errors = _unknown_keys(config, ("cron",), "time_based")
        if not cron_valid(config.get("cron")):
            errors.append(
                f"cron {config.get('cron')!r} does not parse: give five fields, minute hour day month weekday "
                "(e.g. '0 9 * * 1', every Monday at 09:00)."
            )
        return errors
    if trigger_type == TriggerType.EVENT:
        errors = _unknown_keys(config, ("event_type",), "event")
        if config.get("event_type") not in EVENT_TYPES:
            errors.append(f"event_type must be one of {', '.join(EVENT_TYPES)} (got {config.get('event_type')!r}).")
        return errors
    return [f"Unknown trigger type {trigger_type!r}."]


def condition_errors(conditions: Any) -> list[str]:
    """What is wrong with a condition list (AND of {field, operator, value})."""
    if not isinstance(conditions, list):
        return ["Give the conditions as a list of {field, operator, value} objects."]
    errors = []
    for number, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict):
            errors.append(f"Condition {number}: give an object with field, operator and value.")
            continue
        errors += [f"Condition {number}: {e}" for e in _unknown_keys(condition, ("field", "operator", "value"), "keys")]
        field, operator, value = condition.get("field"), condition.get("operator"), condition.get("value")
        kind = CONDITION_FIELDS.get(field)  # type: ignore[arg-type]
        if kind is None:
            errors.append(f"Condition {number}: unknown field {field!r}; known: {', '.join(CONDITION_FIELDS)}.")
            continue
        if operator not in CONDITION_OPERATORS:
            errors.append(f"Condition {number}: operator must be one of {', '.join(CONDITION_OPERATORS)}.")
        elif operator == "in" and not (isinstance(value, list) and value):
            errors.append(f"Condition {number}: 'in' needs a non-empty list of values.")
        elif operator in ("lt", "lte", "gt", "gte") and (kind != "number" or _decimal(value) is None):
            errors.append(
                f"Condition {number}: {operator} compares numbers; {field} with {value!r} cannot be compared."
            )
        elif operator == "contains" and kind == "number":
            errors.append(f"Condition {number}: contains works on text and lists, not on {field}.")
        elif "value" not in condition:
            errors.append(f"Condition {number}: value is missing.")
    return errors


def template_errors(template: Any, label: str) -> list[str]:
    if not isinstance(template, str) or not template.strip():
        return [f"{label} is required."]
    try:
        names = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError as exc:
        return [f"{label} does not parse ({exc}); write a literal brace as {{{{ or }}}}."]
    unknown = sorted(name for name in names if name not in TEMPLATE_NAMES)
    if unknown:
        return [f"{label} names unknown field(s) {', '.join(unknown)}; known: {', '.join(TEMPLATE_NAMES)}."]
    return []


def action_errors(action_type: str, config: Any) -> list[str]:
    """What is wrong with an action's config."""
    if not isinstance(config, dict):
        return ["Give the action config as an object."]
    if action_type == ActionType.CREATE_TASK:
        keys = ("title_template", "task_type", "description", "impact_score", "ease_score", "urgency_score")
        errors = _unknown_keys(config, keys, "create_task")
        errors += template_errors(config.get("title_template"), "title_template")
        if config.get("task_type", TaskType.OTHER) not in TaskType.values:
            errors.append(f"task_type must be one of {', '.join(TaskType.values)}.")
        for part in ("impact_score", "ease_score", "urgency_score"):
            if part in config and ((n := _decimal(config[part])) is None or not 0 <= n <= 10):
                errors.append(f"{part} must be a number from 0 to 10.")
        return errors
    if action_type == ActionType.UPDATE_PRICE:
        errors = _unknown_keys(config, ("change_type", "value"), "update_price")
        if config.get("change_type") not in PRICE_CHANGE_TYPES:
            errors.append(f"change_type must be one of {', '.join(PRICE_CHANGE_TYPES)}.")
        value = _decimal(config.get("value"))
        if value is None or value == 0:
            errors.append(f"value must be a number other than 0 (got {config.get('value')!r}).")
        elif config.get("change_type") == "percentage" and not -90 <= value <= 100:
            errors.append("value must be a percentage from -90 to 100.")
        return errors
    if action_type == ActionType.SEND_ALERT:
        errors = _unknown_keys(config, ("message", "severity"), "send_alert")
        errors += template_errors(config.get("message"), "message")
        if config.get("severity", "medium") not in ALERT_SEVERITIES:
            errors.append(f"severity must be one of {', '.join(ALERT_SEVERITIES)}.")
        return errors
    if action_type == ActionType.TAG_LISTING:
        errors = _unknown_keys(config, ("tag",), "tag_listing")
        tag = config.get("tag")
        if not isinstance(tag, str) or not 0 < len(tag.strip()) <= TAG_MAX_LENGTH:
            errors.append(f"tag must be a word of 1 to {TAG_MAX_LENGTH} characters.")
        return errors
    if action_type == ActionType.APPLY_TEMPLATE:
        errors = _unknown_keys(config, ("fields",), "apply_template")
        fields = config.get("fields")
        if not isinstance(fields, dict) or not fields:
            return [*errors, f"fields must be an object of content fields ({', '.join(CONTENT_TEMPLATE_FIELDS)})."]
        for name, template in fields.items():
            if name not in CONTENT_TEMPLATE_FIELDS:
                errors.append(f"fields: {name!r} is not a content field; use {', '.join(CONTENT_TEMPLATE_FIELDS)}.")
            else:
                errors += template_errors(template, f"fields.{name}")
        return errors
    if action_type == ActionType.PAUSE_LISTING:
        return _unknown_keys(config, ("reason",), "pause_listing")
    return [f"Unknown action type {action_type!r}."]


def self_trigger_reason(trigger_type: str, trigger_config: Any, action_type: str) -> str:
    """Why the rule's action would fire the rule itself ("" when it would not)."""
    if trigger_type != TriggerType.EVENT or not isinstance(trigger_config, dict):
        return ""
    event = trigger_config.get("event_type")
    if event in ACTION_EMITS.get(action_type, frozenset()):
        return (
            f"The action {action_type} causes {event}, the event this rule waits for: it would trigger itself. "
            "Choose another event or action."
        )
    return ""


def template_render(template: str, values: Mapping[str, Any]) -> str:
    """Fill a checked template; a name without a value becomes empty."""
    known = {name: ("" if values.get(name) is None else values.get(name)) for name in TEMPLATE_NAMES}
    return template.format_map(known)


def compare(operator: str, observed: Any, expected: Any) -> bool:
    """One comparison of a threshold or a condition; a missing observed value never matches."""
    if observed is None:
        return False
    if operator == "in":
        return _text(observed) in {_text(v) for v in expected}
    if operator == "contains":
        if isinstance(observed, list | tuple | set | frozenset):
            return _text(expected) in {_text(v) for v in observed}
        return _text(expected) in _text(observed)
    left, right = _decimal(observed), _decimal(expected)
    if left is not None and right is not None:
        numbers = {"lt": left < right, "lte": left <= right, "gt": left > right, "gte": left >= right}
        if operator in numbers:
            return numbers[operator]
        return (left == right) if operator == "eq" else (left != right)
    if operator in ("eq", "ne"):
        return (_text(observed) == _text(expected)) == (operator == "eq")
    return False


def _text(value: Any) -> str:
    return str(value).strip().casefold()


def conditions_check(conditions: list[dict[str, Any]] | None, values: Mapping[str, Any]) -> tuple[bool, list[dict]]:
    """Whether every condition holds on `values`, with each one's observed value and result (for the log)."""
    results = []
    for condition in conditions or []:
        observed = values.get(condition["field"])
        held = compare(condition["operator"], observed, condition.get("value"))
        results.append({**condition, "observed": _json(observed), "held": held})
    return all(row["held"] for row in results), results


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set | tuple):
        return sorted(value)
    return value


def cron_due(expression: str, since: datetime, now: datetime) -> datetime | None:
    """The latest cron time after `since` and at or before `now` (None: none came)."""
    runs = croniter(expression.strip(), since)
    due = None
    for _ in range(10_000):  # a rule every minute checked after a week's pause: still bounded
        moment = runs.get_next(datetime)
        if moment > now:
            break
        due = moment
    return due


def cron_next(expression: str, after: datetime) -> datetime:
    return croniter(expression.strip(), after).get_next(datetime)
