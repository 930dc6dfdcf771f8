"""Thin django-q2 entry points of the automation rules (docs/automation.md); the work is in rule_services."""

from collections.abc import Sequence
from typing import Any


def rules_on_event_task(
    event_type: str, listing_ids: Sequence[int], refs: dict[str, Any], cascade: dict[str, Any] | None
) -> int:
    from .rule_services import rules_on_event

    return rules_on_event(event_type=event_type, listing_ids=listing_ids, refs=refs, cascade=cascade)


def rules_on_alert_task(
    alert_type: str, change_pct: str | None, listing_ids: Sequence[int], alert_id: int, cascade: dict[str, Any] | None
) -> int:
    from .rule_services import rules_on_alert

    return rules_on_alert(
        alert_type=alert_type, change_pct=change_pct, listing_ids=listing_ids, alert_id=alert_id, cascade=cascade
    )


def rules_threshold_sweep_task() -> int:
    from .rule_services import rules_threshold_sweep

    return rules_threshold_sweep()


def rules_cron_tick_task() -> int:
    from .rule_services import rules_cron_tick

    return rules_cron_tick()


def rule_evaluations_purge_task() -> int:
    from .rule_services import rule_evaluations_purge

    return rule_evaluations_purge()
