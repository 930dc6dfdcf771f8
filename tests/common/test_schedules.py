"""common/schedules.py and `manage.py setup_schedules`: the one command that writes every app's schedules."""

import importlib

import pytest
from django.core.management import call_command, get_commands
from django_q.models import Schedule

from accounts import schedules as accounts_schedules
from analytics import schedules as analytics_schedules
from common.schedules import declared_schedules, schedule_modules, schedules_sync
from competitors import schedules as competitors_schedules
from operations import schedules as operations_schedules
from orders import schedules as orders_schedules
from pricing import schedules as pricing_schedules
from syncing import schedules as syncing_schedules
from workflow import schedules as workflow_schedules

pytestmark = pytest.mark.django_db


def test_setup_schedules_is_the_only_schedule_command():
    commands = get_commands()
    assert commands["setup_schedules"] == "common"
    assert "accounts_schedules" not in commands


def test_every_app_schedules_module_is_collected():
    assert schedule_modules() == [
        accounts_schedules,
        syncing_schedules,
        operations_schedules,
        orders_schedules,
        competitors_schedules,
        pricing_schedules,
        analytics_schedules,
        workflow_schedules,
    ]
    specs, prefixes = declared_schedules()
    assert {s.name for s in specs} >= {"accounts.worker_heartbeat", "accounts.audit_prune", "sync-requeue-stuck"}
    assert prefixes == (
        "sync-pull-channel-",
        "sync-pull-incremental-channel-",
        "operations.backup",
        "operations.feed.",
        "analytics.keywords_",
    )


def test_setup_schedules_creates_every_declared_schedule(make_channel):
    shop = make_channel("shopify")
    Schedule.objects.all().delete()  # migration 0003 of accounts creates two; start from none

    call_command("setup_schedules")

    assert set(Schedule.objects.values_list("name", "func", "schedule_type")) == {
        ("accounts.worker_heartbeat", "accounts.tasks.worker_heartbeat_task", Schedule.MINUTES),
        ("accounts.audit_prune", "accounts.tasks.audit_prune_task", Schedule.DAILY),
        ("sync-retention-daily", "syncing.tasks.sync_events_summarise_task", Schedule.MINUTES),
        ("sync-requeue-stuck", "syncing.tasks.sync_jobs_requeue_stuck_task", Schedule.MINUTES),
        ("sync-autopush-sweep", "syncing.tasks.autopush_sweep_task", Schedule.MINUTES),
        (f"sync-pull-channel-{shop.pk}", "syncing.tasks.channel_listings_pull_task", Schedule.MINUTES),
        (f"sync-pull-incremental-channel-{shop.pk}", "syncing.tasks.channel_listings_pull_task", Schedule.MINUTES),
        ("operations.system_log_purge", "operations.tasks.system_log_purge_task", Schedule.DAILY),
        ("operations.notifications_digest", "operations.tasks.notifications_digest_daily_task", Schedule.DAILY),
        ("operations.backup", "operations.tasks.backup_scheduled_task", Schedule.MINUTES),
        ("orders.customers_daily", "orders.tasks.customers_daily_task", Schedule.DAILY),
        ("orders.orders_pull", "orders.tasks.orders_pull_due_task", Schedule.MINUTES),
        ("competitors.observe", "competitors.tasks.competitors_observe_task", Schedule.MINUTES),
        ("pricing.price_history_compress", "pricing.history_tasks.price_history_compress_task", Schedule.DAILY),
        ("analytics.daily_stats_nightly", "analytics.tasks.channel_daily_stats_nightly_task", Schedule.DAILY),
        ("analytics.daily_stats_refresh", "analytics.tasks.channel_daily_stats_refresh_task", Schedule.MINUTES),
        ("analytics.performance_pull", "analytics.tasks.performance_pull_recent_task", Schedule.DAILY),
        ("analytics.attribution_nightly", "analytics.tasks.attribution_nightly_task", Schedule.DAILY),
        ("analytics.keywords_weekly", "analytics.tasks.keywords_weekly_task", Schedule.WEEKLY),
        ("analytics.scores_stale_sweep", "analytics.tasks.scores_recompute_stale_task", Schedule.MINUTES),
        ("analytics.scores_nightly", "analytics.tasks.scores_nightly_task", Schedule.DAILY),
        ("pricing.fee_estimates_nightly", "pricing.history_tasks.fee_estimates_nightly_task", Schedule.DAILY),
        ("pricing.listing_margins_nightly", "pricing.history_tasks.listing_margins_nightly_task", Schedule.DAILY),
        ("workflow.rules_threshold_sweep", "workflow.tasks.rules_threshold_sweep_task", Schedule.MINUTES),
        ("workflow.rules_cron_tick", "workflow.tasks.rules_cron_tick_task", Schedule.MINUTES),
        ("workflow.rule_evaluations_purge", "workflow.tasks.rule_evaluations_purge_task", Schedule.DAILY),
    }
    assert set(Schedule.objects.values_list("repeats", flat=True)) == {-1}


def test_a_changed_schedule_is_put_back_and_its_next_run_kept():
    schedules_sync()
    heartbeat = Schedule.objects.get(name="accounts.worker_heartbeat")
    Schedule.objects.filter(pk=heartbeat.pk).update(minutes=5, repeats=3)

    assert schedules_sync() == (0, 1, 0)
    again = Schedule.objects.get(pk=heartbeat.pk)
    assert (again.minutes, again.repeats, again.next_run) == (1, -1, heartbeat.next_run)
    assert schedules_sync() == (0, 0, 0)


def test_only_pruned_prefixes_lose_undeclared_schedules():
    Schedule.objects.create(name="sync-pull-channel-999999", func="syncing.tasks.channel_listings_pull_task")
    Schedule.objects.create(name="hand-made", func="accounts.tasks.audit_prune_task")
    _, _, deleted = schedules_sync()
    assert deleted == 1
    assert Schedule.objects.filter(name="hand-made").exists()


def test_the_accounts_migration_creates_what_the_app_declares():
    # migration 0003 stays (migrations are history); its schedules must match accounts/schedules.py
    migration = importlib.import_module("accounts.migrations.0003_heartbeat_schedule")
    declared = {s.name: s for s in accounts_schedules.schedule_specs()}
    assert set(migration.SCHEDULES) == set(declared)
    for name, options in migration.SCHEDULES.items():
        spec = declared[name]
        assert (options["func"], options["schedule_type"], options.get("minutes")) == (
            spec.func,
            spec.schedule_type,
            spec.minutes,
        )
