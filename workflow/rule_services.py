"""Automation rules (docs/automation.md): writes of the rules, their evaluation behind the guards,
their actions, and the reactions to events.

One evaluation path serves every entry point: the threshold sweep, the cron tick, events, competitor alerts, the
dry-run endpoint (`preview=True`: decides exactly as the real run would, writes nothing) and a rule kept in dry-run
mode (logs its decisions, acts on nothing). The guards, in order, for each listing whose trigger and conditions
hold: the loop guard (a rule cannot fire twice in one cascade of rules; cascades stop below depth
MAX_CASCADE_DEPTH), the pending period, the cooldown per listing, the daily cap. An action that fails is an
`error` row; `max_consecutive_errors` of them in a row switch the rule off with the reason shown.

Event handlers only enqueue (house style): the evaluation runs in a django-q2 task, which carries the cascade
(its id, depth and the rules that fired) so an action's own events are evaluated one level deeper.
"""

import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.events import NOTIFICATION_REQUESTED
from common import events
from common.actors import Actor as User
from common.changes import change_source
from common.enqueue import enqueue
from common.errors import ApplicationError
from common.saving import fields_save
from competitors.choices import AlertType
from listings.choices import ChangesetKind, ChangeType, ListingStatus
from listings.models import Changeset, Listing, ListingVersion, ProductVersion
from listings.services import changeset_open
from listings.services.listing import listing_update
from listings.state import ON_MARKETPLACE_STATUSES, listing_status_move
from listings.versions import content_change
from pricing.rule_services import listings_price_metrics, price_adjust
from syncing.services import listings_deactivate

from . import tasks
from .choices import ActionType, EvaluationOutcome, TaskType, TriggerType
from .events import RULE_ALERT_SENT, TASK_CREATED
from .models import AutomationRule, ListingTag, RuleEntityState, RuleEvaluation
from .rule_config import MAX_CASCADE_DEPTH, compare, conditions_check, cron_due, cron_next, template_render
from .rule_selectors import (
    candidate_ids,
    chunks,
    competitive_rules_active,
    fired_since,
    listing_values,
    listings_of_order,
    listings_of_stock,
    open_alerts,
    rules_with_event,
    start_of_today,
    waiting_clear,
)
from .services import tasks_create_for

logger = logging.getLogger("workflow.rules")

RULE_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "trigger_type",
    "trigger_config",
    "conditions",
    "action_type",
    "action_config",
    "cooldown_minutes",
    "max_daily_triggers",
    "pending_minutes",
    "dry_run",
    "is_active",
    "max_consecutive_errors",
)
UNMATCHED_ROWS = 20  # an evaluation logs each unmatched listing up to this many, else one summary row


# --- rules ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def automation_rule_create(*, user: User = None, **fields: Any) -> AutomationRule:
    rule = fields_save(AutomationRule(), fields, RULE_FIELDS, user)
    _waiting_changed()
    return rule


def _waiting_changed() -> None:
    """This process's handlers see the change at once (and again after commit, past a concurrent read)."""
    waiting_clear()
    transaction.on_commit(waiting_clear)


@transaction.atomic
def automation_rule_update(*, rule: AutomationRule, user: User = None, **fields: Any) -> AutomationRule:
    """Change a rule; switching it on again clears the error count and the reason it was switched off."""
    was_active = AutomationRule.objects.filter(pk=rule.pk).values_list("is_active", flat=True).first()
    if fields.get("is_active") and not was_active:
        rule.consecutive_errors, rule.disabled_reason = 0, ""
    saved = fields_save(rule, fields, RULE_FIELDS, user)
    _waiting_changed()
    return saved


@transaction.atomic
def automation_rule_delete(*, rule: AutomationRule, user: User = None) -> None:
    rule.delete()
    _waiting_changed()


# --- cascades -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cascade:
    """Rules firing because of other rules' actions: `chain` holds the rules that fired, in order."""

    id: str
    depth: int = 0
    chain: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "depth": self.depth, "chain": list(self.chain)}

    @classmethod
    def child_of(cls, parent: Mapping[str, Any] | None) -> "Cascade":
        if not parent:
            return cls(uuid.uuid4().hex)
        return cls(str(parent["id"]), int(parent["depth"]) + 1, tuple(int(i) for i in parent.get("chain", ())))


_cascade: ContextVar[Cascade | None] = ContextVar("automation_cascade", default=None)


@contextmanager
def _in_cascade(cascade: Cascade) -> Iterator[None]:
    token = _cascade.set(cascade)
    try:
        yield
    finally:
        _cascade.reset(token)


def _loop_reason(rule: AutomationRule, cascade: Cascade) -> str:
    if rule.pk in cascade.chain:
        path = " → ".join(f"#{pk}" for pk in (*cascade.chain, rule.pk))
        return f"Loop guard: rule #{rule.pk} already fired in this cascade ({path})."
    if cascade.depth > MAX_CASCADE_DEPTH:
        return f"Loop guard: cascade depth {cascade.depth} is over {MAX_CASCADE_DEPTH}."
    return ""


# --- evaluation -----------------------------------------------------------------------------------------------------


@dataclass
class Decision:
    """What a rule decided (or would decide) on one listing; `listing_id` None for a summary row."""

    rule_id: int
    listing_id: int | None
    outcome: str
    detail: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    action: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "listing": self.listing_id,
            "outcome": self.outcome,
            "detail": self.detail,
            "inputs": self.inputs,
            "action": self.action,
        }


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


MetricsCache = dict[str, dict[int, Any]]


def _threshold(
    rule: AutomationRule, ids: Sequence[int], values: Mapping[int, Mapping[str, Any]], cache: MetricsCache
) -> dict[int, Any]:
    """The rule's metric per listing. The score comes with the chunk's values (`listing.score`); the price,
    margin and stock are computed once per sweep however many rules read them (`cache`)."""
    metric = rule.trigger_config["metric"]
    if metric == "score":
        return {pk: values[pk]["listing.score"] for pk in ids if pk in values}
    known = cache.setdefault("price", {})
    missing = [pk for pk in ids if pk not in known]
    if missing:
        rows = listings_price_metrics(missing)
        known.update((pk, rows.get(pk)) for pk in missing)
    return {pk: (known[pk] or {}).get(metric) for pk in ids}


def _trigger_holds(
    rule: AutomationRule, listing_id: int, metrics: Mapping[int, Any], context: Mapping[str, Any] | None
) -> tuple[bool, dict[str, Any]]:
    config = rule.trigger_config
    if rule.trigger_type == TriggerType.THRESHOLD:
        observed = metrics.get(listing_id)
        held = compare(config["operator"], observed, config["value"])
        return held, {"metric": config["metric"], "observed": _json(observed), "operator": config["operator"],
                      "value": config["value"]}  # fmt: skip
    if rule.trigger_type == TriggerType.COMPETITIVE:
        if not context:
            return False, {"event": config["event"], "alert": None}
        held = context.get("alert_type") == (
            AlertType.PRICE_DROP if config["event"] == "competitor_price_drop" else AlertType.BUY_BOX_LOST
        )
        if held and config["event"] == "competitor_price_drop":
            drop = context.get("change_pct")
            held = drop is not None and Decimal(str(drop)) <= -Decimal(str(config["threshold_pct"]))
        return held, {"event": config["event"], **_json(dict(context))}
    # time_based and event rules: the cron time or the event has come (the caller says so)
    return True, dict(_json(dict(context or {})))


def _metric_value(rule: AutomationRule, listing_id: int, metrics: Mapping[int, Any]) -> Any:
    if rule.trigger_type == TriggerType.THRESHOLD:
        return metrics.get(listing_id)
    return None


@dataclass
class RunChangeset:
    """The changeset of one rule run's content changes (docs/catalog.md#versions), opened at the first listing
    the run changes, so that "Undo changeset" restores every listing the run rewrote as one unit."""

    description: str
    id: int | None = None

    def ensure(self) -> int:
        if self.id is None:
            self.id = changeset_open(kind=ChangesetKind.RULE, description=self.description).pk
        return self.id

    def drop_if_empty(self) -> None:
        """A run whose every template wrote nothing new leaves no empty changeset behind."""
        if self.id is None:
            return
        used = ListingVersion.objects.filter(changeset_id=self.id).exists()
        if not used and not ProductVersion.objects.filter(changeset_id=self.id).exists():
            Changeset.objects.filter(pk=self.id).delete()
            self.id = None


_run_changeset: ContextVar[RunChangeset | None] = ContextVar("rule_run_changeset", default=None)


def rule_evaluate(
    rule: AutomationRule,
    *,
    listing_ids: Sequence[int] | None = None,
    trigger: str,
    contexts: Mapping[int, Mapping[str, Any]] | None = None,
    now: datetime | None = None,
    preview: bool = False,
    cascade: Cascade | None = None,
    metrics_cache: MetricsCache | None = None,
) -> list[Decision]:
    """Evaluate `rule` on `listing_ids` (None: every listing not delisted) and act where it fires.

    `contexts` gives per listing what the trigger saw (the competitor alert, the event); `preview` decides without
    writing anything (the dry-run endpoint). Returns one decision per listing evaluated.
    """
    now = now or timezone.now()
    cascade = cascade or _cascade.get() or Cascade(uuid.uuid4().hex)
    ids = candidate_ids(listing_ids)
    cache = {} if metrics_cache is None else metrics_cache
    if preview:
        return _evaluate(rule, ids, trigger, contexts or {}, now, cascade, cache, preview=True)
    run_changeset = RunChangeset(f"Automation rule {rule.name} ({trigger})")
    token = _run_changeset.set(run_changeset)
    try:
        with transaction.atomic():
            locked = AutomationRule.objects.select_for_update().filter(pk=rule.pk, is_active=True).first()
            if locked is None:
                return []
            decisions = _evaluate(locked, ids, trigger, contexts or {}, now, cascade, cache, preview=False)
            run_changeset.drop_if_empty()
            rule.refresh_from_db()
    finally:
        _run_changeset.reset(token)
    return decisions


def _evaluate(
    rule: AutomationRule,
    ids: list[int],
    trigger: str,
    contexts: Mapping[int, Mapping[str, Any]],
    now: datetime,
    cascade: Cascade,
    cache: MetricsCache,
    *,
    preview: bool,
) -> list[Decision]:
    loop = _loop_reason(rule, cascade)
    if loop:
        skipped = [Decision(rule.pk, pk, EvaluationOutcome.SKIPPED_LOOP, loop) for pk in ids]
        return _logged(rule, skipped, trigger, cascade, now, preview=preview)
    dry = preview or rule.dry_run
    fired = fired_since(rule, start_of_today(now), dry_run=rule.dry_run)
    decisions: list[Decision] = []
    for chunk in chunks(ids):
        try:
            values = listing_values(chunk)
            metrics = _threshold(rule, chunk, values, cache) if rule.trigger_type == TriggerType.THRESHOLD else {}
        except Exception as exc:  # an input that cannot be read is the rule's error, not the worker's
            logger.exception("rule %s: reading inputs failed", rule.pk)
            decisions.append(Decision(rule.pk, None, EvaluationOutcome.ERROR, f"Reading the inputs failed: {exc}"))
            break
        states = {s.listing_id: s for s in RuleEntityState.objects.filter(rule=rule, listing_id__in=chunk)}
        writes: dict[int, dict[str, datetime | None]] = {}
        for pk in chunk:
            if pk not in values:
                continue
            decision, fired = _decide(rule, pk, values[pk], metrics, contexts.get(pk), states.get(pk), now, fired,
                                      dry=dry, cascade=cascade, writes=writes)  # fmt: skip
            decisions.append(decision)
        if not preview:
            _states_write(rule, states, writes)
    return _logged(rule, decisions, trigger, cascade, now, preview=preview)


def _states_write(
    rule: AutomationRule, states: Mapping[int, RuleEntityState], writes: Mapping[int, Mapping[str, Any]]
) -> None:
    """The chunk's changes of pending-since and last-fired, in one upsert (a decision never reads another
    listing's state, so they can wait for the chunk's end)."""
    rows = []
    for pk, change in writes.items():
        old = states.get(pk)
        since = change.get("condition_since", old.condition_since if old else None)
        fired = change.get("last_fired_at", old.last_fired_at if old else None)
        rows.append(RuleEntityState(rule=rule, listing_id=pk, condition_since=since, last_fired_at=fired))
    if rows:
        RuleEntityState.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["rule", "listing"],
            update_fields=["condition_since", "last_fired_at"],
        )  # fmt: skip


def _decide(
    rule: AutomationRule,
    pk: int,
    values: dict[str, Any],
    metrics: Mapping[int, Any],
    context: Mapping[str, Any] | None,
    state: RuleEntityState | None,
    now: datetime,
    fired: int,
    *,
    dry: bool,
    cascade: Cascade,
    writes: dict[int, dict[str, datetime | None]],
) -> tuple[Decision, int]:
    """One listing's decision; the state changes it implies go into `writes` (written per chunk, never by a
    preview)."""
    held, trigger_inputs = _trigger_holds(rule, pk, metrics, context)
    ok, condition_rows = conditions_check(rule.conditions, values)
    inputs = {"trigger": trigger_inputs, "conditions": condition_rows}
    if not (held and ok):
        if state is not None and state.condition_since is not None:
            writes[pk] = {"condition_since": None}
        why = "The trigger did not hold." if not held else "A condition did not hold."
        return Decision(rule.pk, pk, EvaluationOutcome.NOT_MATCHED, why, inputs), fired
    if rule.pending_minutes:
        since = state.condition_since if state is not None and state.condition_since else now
        if state is None or state.condition_since is None:
            writes[pk] = {"condition_since": since}
        waited = now - since
        if waited < timedelta(minutes=rule.pending_minutes):
            left = timedelta(minutes=rule.pending_minutes) - waited
            detail = (
                f"Holds since {since:%Y-%m-%d %H:%M}; fires after {rule.pending_minutes} min ({_minutes(left)} left)."
            )
            return Decision(rule.pk, pk, EvaluationOutcome.PENDING, detail, inputs), fired
    if (
        state is not None
        and state.last_fired_at
        and now - state.last_fired_at < timedelta(minutes=rule.cooldown_minutes)
    ):
        detail = (
            f"Cooldown: fired on this listing at {state.last_fired_at:%Y-%m-%d %H:%M}; "
            f"{rule.cooldown_minutes} min must pass."
        )
        return Decision(rule.pk, pk, EvaluationOutcome.SKIPPED_COOLDOWN, detail, inputs), fired
    if rule.max_daily_triggers is not None and fired >= rule.max_daily_triggers:
        detail = f"Daily cap: fired {fired} time(s) today (cap {rule.max_daily_triggers})."
        return Decision(rule.pk, pk, EvaluationOutcome.SKIPPED_CAP, detail, inputs), fired
    template_values = {**values, "rule": rule.name, "metric": rule.trigger_config.get("metric", ""),
                       "value": _metric_value(rule, pk, metrics) or trigger_inputs.get("event", "")}  # fmt: skip
    try:
        if dry:
            action = _action(rule, pk, template_values, apply=False, cascade=cascade)
        else:
            run_changeset = _run_changeset.get()
            if rule.action_type == ActionType.APPLY_TEMPLATE and run_changeset is not None:
                run_changeset.ensure()  # outside the action's savepoint: a failed action keeps the changeset
            with transaction.atomic():
                action = _action(rule, pk, template_values, apply=True, cascade=cascade)
    except (ApplicationError, ValidationError) as exc:
        return Decision(rule.pk, pk, EvaluationOutcome.ERROR, _error_text(exc), inputs), fired
    except Exception as exc:
        logger.exception("rule %s: action %s failed on listing %s", rule.pk, rule.action_type, pk)
        return Decision(rule.pk, pk, EvaluationOutcome.ERROR, f"{type(exc).__name__}: {exc}", inputs), fired
    writes[pk] = {"last_fired_at": now, "condition_since": None}
    detail = "Would run the action (dry run)." if dry else "Action run."
    return Decision(rule.pk, pk, EvaluationOutcome.MATCHED, detail, inputs, _json(action)), fired + 1


def _minutes(delta: timedelta) -> str:
    return f"{max(1, round(delta.total_seconds() / 60))} min"


def _error_text(exc: ApplicationError | ValidationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return "; ".join(exc.messages)


def _logged(
    rule: AutomationRule, decisions: list[Decision], trigger: str, cascade: Cascade, now: datetime, *, preview: bool
) -> list[Decision]:
    """Write the evaluation log and the rule's counters (not for a preview)."""
    if preview:
        return decisions
    unmatched = [d for d in decisions if d.outcome == EvaluationOutcome.NOT_MATCHED]
    logged = [d for d in decisions if d.outcome != EvaluationOutcome.NOT_MATCHED]
    if len(unmatched) <= UNMATCHED_ROWS:
        logged += unmatched
    else:
        sample = [d.listing_id for d in unmatched[:UNMATCHED_ROWS]]
        summary = f"{len(unmatched)} listings did not match (first {UNMATCHED_ROWS} ids in inputs)."
        logged.append(Decision(rule.pk, None, EvaluationOutcome.NOT_MATCHED, summary, {"listings": sample}))
    RuleEvaluation.objects.bulk_create(
        [
            RuleEvaluation(
                rule=rule,
                listing_id=d.listing_id,
                outcome=d.outcome,
                dry_run=rule.dry_run,
                trigger=trigger[:60],
                inputs=_json(d.inputs),
                detail=d.detail,
                action_result=d.action,
                cascade_id=cascade.id,
                cascade_depth=cascade.depth,
                created_at=now,
            )  # fmt: skip
            for d in logged
        ]
    )
    _counters(rule, decisions, now)
    return decisions


def _counters(rule: AutomationRule, decisions: list[Decision], now: datetime) -> None:
    matched = sum(1 for d in decisions if d.outcome == EvaluationOutcome.MATCHED)
    errors = [d for d in decisions if d.outcome == EvaluationOutcome.ERROR]
    update: dict[str, Any] = {"last_evaluated_at": now}
    if matched and not rule.dry_run:
        update.update(trigger_count=F("trigger_count") + matched, last_triggered_at=now)
    if matched and not errors:
        update["consecutive_errors"] = 0
    AutomationRule.objects.filter(pk=rule.pk).update(**update)
    if not errors:
        return
    count = (0 if matched else rule.consecutive_errors) + len(errors)
    AutomationRule.objects.filter(pk=rule.pk).update(consecutive_errors=count)
    if count >= rule.max_consecutive_errors:
        reason = f"Switched off after {count} errors in a row; the last: {errors[-1].detail}"[:2000]
        AutomationRule.objects.filter(pk=rule.pk).update(is_active=False, disabled_reason=reason)
        _waiting_changed()
        events.publish(
            NOTIFICATION_REQUESTED, kind="rule_action", title=f"Automation rule {rule.name} was switched off",
            body=reason, link=reverse("workflow:rule_detail", args=[rule.pk]),
            dedupe_key=f"rule-off:{rule.pk}:{now:%Y%m%d%H%M}",
        )  # fmt: skip


# --- actions --------------------------------------------------------------------------------------------------------


def _action(rule: AutomationRule, pk: int, values: dict[str, Any], *, apply: bool, cascade: Cascade) -> dict[str, Any]:
    """Run (apply) or describe the rule's action on one listing; returns what it did or would do."""
    config, action = rule.action_config, rule.action_type
    with _in_cascade(Cascade(cascade.id, cascade.depth, (*cascade.chain, rule.pk))):
        if action == ActionType.CREATE_TASK:
            return _create_task(rule, pk, values, apply=apply)
        if action == ActionType.UPDATE_PRICE:
            rows = price_adjust(
                listing_ids=[pk], change_type=config["change_type"], value=Decimal(str(config["value"])),
                label=f"Automation rule: {rule.name}", apply=apply,
            )  # fmt: skip
            if not rows:
                raise ApplicationError("The listing has no price to change.")
            row = rows[0].as_dict()
            return {key: row[key] for key in ("current_price", "proposed_price", "formula", "guards", "flags")}
        if action == ActionType.SEND_ALERT:
            return _send_alert(rule, pk, values, apply=apply)
        if action == ActionType.TAG_LISTING:
            tag = config["tag"].strip()
            added = tag not in values.get("listing.tags", ())  # read with the chunk (rule_selectors.listing_values)
            if apply and added:
                ListingTag.objects.create(listing_id=pk, tag=tag, source_rule=rule)
            return {"tag": tag, "added": added}
        if action == ActionType.APPLY_TEMPLATE:
            fields = {name: template_render(template, values) for name, template in config["fields"].items()}
            if apply:
                reason = f"Automation rule {rule.name}"
                run_changeset = _run_changeset.get()
                changeset_id = run_changeset.id if run_changeset is not None else None
                change = content_change(
                    change_type=ChangeType.RULE, source="rule", reason=reason, changeset_id=changeset_id
                )
                with change_source("rule"), change:
                    listing_update(listing=Listing.objects.get(pk=pk), **fields)
            return {"fields": fields}
        return _pause(rule, pk, apply=apply)


def _create_task(rule: AutomationRule, pk: int, values: dict[str, Any], *, apply: bool) -> dict[str, Any]:
    config = rule.action_config
    title = template_render(config["title_template"], values)[:255]
    parts: dict[str, Any] = {
        name: Decimal(str(config[name])) for name in ("impact_score", "ease_score", "urgency_score") if name in config
    }
    if not apply:
        return {"title": title, "task_type": config.get("task_type", TaskType.OTHER)}
    made = tasks_create_for(
        listings=[Listing.objects.get(pk=pk)], title=title, task_type=config.get("task_type", TaskType.OTHER),
        source_rule=rule.pk, description=config.get("description", ""), **parts,
    )  # fmt: skip
    if made:
        events.publish(TASK_CREATED, listing_ids=[pk], task_ids=[t.pk for t in made], rule_id=rule.pk)
    note = "" if made else "An open task of this rule with this title exists; none added."
    return {"title": title, "task_ids": [t.pk for t in made], "note": note}


def _send_alert(rule: AutomationRule, pk: int, values: dict[str, Any], *, apply: bool) -> dict[str, Any]:
    message = template_render(rule.action_config["message"], values)[:255]
    severity = rule.action_config.get("severity", "medium")
    if apply:
        events.publish(
            NOTIFICATION_REQUESTED, kind="alert", title=message, body=f"Automation rule {rule.name} ({severity}).",
            link=reverse("listings:listing_detail", args=[pk]),
            dedupe_key=f"rule-alert:{rule.pk}:{pk}:{timezone.now():%Y%m%d%H%M}",
        )  # fmt: skip
        events.publish(RULE_ALERT_SENT, listing_id=pk, rule_id=rule.pk, message=message, severity=severity)
    return {"message": message, "severity": severity}


def _pause(rule: AutomationRule, pk: int, *, apply: bool) -> dict[str, Any]:
    listing = Listing.objects.select_related("channel").get(pk=pk)
    reason = rule.action_config.get("reason") or f"Paused by automation rule {rule.name}."
    if listing.status == ListingStatus.PAUSED:
        return {"status": "paused", "note": "Already paused."}
    if listing.external_id and listing.status in ON_MARKETPLACE_STATUSES:
        if not apply:
            return {"status": "pause requested", "via": "marketplace job"}
        job = listings_deactivate(channel=listing.channel, listing_ids=[pk], mode="pause")
        return {"status": "pause requested", "job": job.pk}
    if apply:
        listing_status_move(listing=listing, to_status=ListingStatus.PAUSED, reason=reason)
    return {"status": "paused"}


# --- entry points ---------------------------------------------------------------------------------------------------


# A dry run answers inside a request: it decides on at most this many listings (the first by id) and says so.
DRY_RUN_MAX_LISTINGS = 5000


def dry_run_scope(listing_ids: Sequence[int] | None = None) -> tuple[list[int], int]:
    """The listings a dry run decides on (at most DRY_RUN_MAX_LISTINGS, by id) and how many it was asked about."""
    ids = candidate_ids(listing_ids)
    return ids[:DRY_RUN_MAX_LISTINGS], len(ids)


def rules_dry_run(*, rule: AutomationRule, listing_ids: Sequence[int] | None = None) -> list[Decision]:
    """What the rule would do now, on which listings and why; writes nothing (docs/automation.md#dry-run).

    Threshold rules read the metrics now; competitive rules the open competitor alerts; event rules take the
    event as happening on each listing; time-based rules as if their cron time had come. Decides on the listings
    of `dry_run_scope` (the first DRY_RUN_MAX_LISTINGS).
    """
    ids, _ = dry_run_scope(listing_ids)
    contexts: dict[int, dict[str, Any]] = {}
    trigger = "dry run"
    if rule.trigger_type == TriggerType.COMPETITIVE:
        alerts = open_alerts(ids, [AlertType.PRICE_DROP, AlertType.BUY_BOX_LOST])
        contexts = {pk: _alert_context(a.pk, a.alert_type, a.change_pct) for pk, a in alerts.items()}
    elif rule.trigger_type == TriggerType.EVENT:
        contexts = {pk: {"event": rule.trigger_config["event_type"]} for pk in ids}
    return rule_evaluate(rule, listing_ids=ids, trigger=trigger, contexts=contexts, preview=True)


def _alert_context(alert_id: int, alert_type: str, change_pct: Any) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "alert_type": alert_type,
        "change_pct": None if change_pct is None else str(change_pct),
    }


def rules_threshold_sweep(*, now: datetime | None = None) -> int:
    """Every active threshold rule on every listing; returns how many rules ran."""
    rules = list(AutomationRule.objects.filter(is_active=True, trigger_type=TriggerType.THRESHOLD))
    cache: MetricsCache = {}  # each listing's metrics read once for all the rules
    for rule in rules:
        rule_evaluate(rule, trigger="threshold sweep", now=now, metrics_cache=cache)
    return len(rules)


def rules_cron_tick(*, now: datetime | None = None) -> int:
    """Run each active time-based rule whose cron time came since it last ran; returns how many ran."""
    now = now or timezone.now()
    ran = 0
    for rule in AutomationRule.objects.filter(is_active=True, trigger_type=TriggerType.TIME_BASED):
        expression = rule.trigger_config["cron"]
        since = timezone.localtime(rule.last_evaluated_at or rule.created_at)
        due = cron_due(expression, since, timezone.localtime(now))
        if due is None:
            continue
        rule_evaluate(rule, trigger=f"cron {expression} ({due:%Y-%m-%d %H:%M})", now=now)
        ran += 1
    return ran


def rule_next_run(rule: AutomationRule, now: datetime | None = None) -> datetime | None:
    if rule.trigger_type != TriggerType.TIME_BASED or not rule.is_active:
        return None
    return cron_next(rule.trigger_config["cron"], timezone.localtime(now or timezone.now()))


def rules_on_event(
    *, event_type: str, listing_ids: Sequence[int] = (), refs: Mapping[str, Any] | None = None,
    cascade: Mapping[str, Any] | None = None,
) -> int:  # fmt: skip
    """The task side of an event: evaluate the event rules waiting for it, one level deeper in the cascade."""
    ids = list(listing_ids)
    refs = refs or {}
    if "order_id" in refs:
        ids += listings_of_order(int(refs["order_id"]))
    if "product_id" in refs:
        ids += listings_of_stock(int(refs["product_id"]), refs.get("variant_id"))
    if not ids:
        return 0
    child = Cascade.child_of(cascade)
    active = AutomationRule.objects.filter(is_active=True, trigger_type=TriggerType.EVENT)
    rules = [rule for rule in active if rule.trigger_config.get("event_type") == event_type]
    context = {"event": event_type, **{k: v for k, v in refs.items() if isinstance(v, str | int)}}
    for rule in rules:
        rule_evaluate(rule, listing_ids=sorted(set(ids)), trigger=f"event {event_type}",
                      contexts=dict.fromkeys(ids, context), cascade=child)  # fmt: skip
    return len(rules)


def rules_on_alert(
    *, alert_type: str, change_pct: Any, listing_ids: Sequence[int], alert_id: int,
    cascade: Mapping[str, Any] | None = None,
) -> int:  # fmt: skip
    """The task side of a competitor alert: the competitive rules it may fire."""
    child = Cascade.child_of(cascade)
    context = _alert_context(alert_id, alert_type, change_pct)
    rules = list(AutomationRule.objects.filter(is_active=True, trigger_type=TriggerType.COMPETITIVE))
    for rule in rules:
        rule_evaluate(rule, listing_ids=list(listing_ids), trigger=f"competitor alert #{alert_id}",
                      contexts=dict.fromkeys(listing_ids, context), cascade=child)  # fmt: skip
    return len(rules)


def rule_evaluations_purge(*, now: datetime | None = None) -> int:
    """Delete evaluation rows older than RULE_EVALUATIONS_KEEP_DAYS (the log of a sweep grows every run)."""
    cutoff = (now or timezone.now()) - timedelta(days=int(settings.RULE_EVALUATIONS_KEEP_DAYS))
    deleted, _ = RuleEvaluation.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- event handlers (subscribed in WorkflowConfig.ready; they only enqueue) -----------------------------------------


def _parent() -> dict[str, Any] | None:
    current = _cascade.get()
    return current.as_dict() if current is not None else None


def event_enqueue(event_type: str, *, listing_ids: Sequence[int] = (), refs: Mapping[str, Any] | None = None) -> None:
    """Hand an event to the rules waiting for it, if any rule waits."""
    if not rules_with_event(event_type):
        return
    enqueue(tasks.rules_on_event_task, event_type, list(listing_ids), dict(refs or {}), _parent())


def on_listing_pushed(*, listing_id: int, outcome: str, **_: Any) -> None:
    event_enqueue("listing.synced" if outcome == "synced" else "listing.error", listing_ids=[listing_id])


def on_listing_suppressed(*, listing_id: int, **_: Any) -> None:
    event_enqueue("listing.suppressed", listing_ids=[listing_id])


def on_order_ingested(*, order: Any, created: bool = False, **_: Any) -> None:
    if created:
        event_enqueue("order.created", refs={"order_id": order.pk})


def on_stock_low(*, product_id: int, variant_id: int | None, **_: Any) -> None:
    event_enqueue("stock.low", refs={"product_id": product_id, "variant_id": variant_id})


def on_stock_oversold(*, product_id: int, variant_id: int | None, **_: Any) -> None:
    event_enqueue("stock.oversold", refs={"product_id": product_id, "variant_id": variant_id})


def on_version_marketplace(*, listing_id: int, **_: Any) -> None:
    event_enqueue("version.marketplace", listing_ids=[listing_id])


def on_task_created(*, listing_ids: Sequence[int], **_: Any) -> None:
    event_enqueue("task.created", listing_ids=listing_ids)


def on_rule_alert(*, listing_id: int, **_: Any) -> None:
    event_enqueue("alert.created", listing_ids=[listing_id])


def on_competitor_alert(
    *, alert_id: int, alert_type: str, change_pct: Any, created: bool, listing_ids: Sequence[int], **_: Any
) -> None:
    if not listing_ids:
        return
    if created:
        event_enqueue("alert.created", listing_ids=listing_ids, refs={"alert_id": alert_id})
    if competitive_rules_active() and alert_type in (AlertType.PRICE_DROP, AlertType.BUY_BOX_LOST):
        pct = None if change_pct is None else str(change_pct)
        enqueue(tasks.rules_on_alert_task, alert_type, pct, list(listing_ids), alert_id, _parent())
