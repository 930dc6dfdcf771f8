"""Runtime settings (docs/configuration.md#runtime-settings): typed values, checks, audit, secrets, caching."""

import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.signals import request_started
from django.db import close_old_connections, connection

from accounts.models import AuditEntry, RuntimeSetting, SettingsVersion
from accounts.runtime_settings import runtime_setting, runtime_settings_rows
from accounts.setting_services import runtime_setting_set
from accounts.setting_values import SECRET_MASK, SPECS

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "a1B2c3D4e5F6g7H8i9J0"


def _audit(key):
    row = RuntimeSetting.objects.get(key=key)
    return list(
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(RuntimeSetting), object_id=str(row.pk))
    )


def _refused(key, raw, field="value"):
    with pytest.raises(ValidationError) as caught:
        runtime_setting_set(key=key, raw_value=raw)
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def test_the_first_migration_writes_every_known_setting_with_its_default():
    keys = set(RuntimeSetting.objects.values_list("key", flat=True))
    assert {spec.key for spec in SPECS} <= keys
    assert {"scoring.weights", "sync.sp_api.interval_minutes", "pricing.default_margin_floor"} <= keys
    assert {"seasonality.uk_calendar", "inventory.low_stock_threshold", "customers.vip_spend"} <= keys
    assert {"customers.at_risk_days", "costs.overhead_pct"} <= keys
    assert runtime_setting("scoring.weights") == {
        "seo": 0.25,
        "content": 0.25,
        "images": 0.20,
        "competitive": 0.15,
        "compliance": 0.15,
    }
    assert runtime_setting("sync.sp_api.interval_minutes") == 60
    assert runtime_setting("seasonality.uk_calendar")["diy_peak_months"] == [3, 4, 5, 6, 7, 8]
    assert RuntimeSetting.objects.get(key="sync.keepa.api_key").is_encrypted


def test_environment_backed_settings_default_to_the_environment_until_set(settings):
    settings.INVENTORY_LOW_STOCK_THRESHOLD = 7
    assert runtime_setting("inventory.low_stock_threshold") == 7
    settings.COSTS_OVERHEAD_PCT = 12.5
    assert runtime_setting("costs.overhead_pct") == Decimal("12.5")
    runtime_setting_set(key="inventory.low_stock_threshold", raw_value="3")
    assert runtime_setting("inventory.low_stock_threshold") == 3  # the table wins once set
    runtime_setting_set(key="inventory.low_stock_threshold", raw_value=None)
    assert runtime_setting("inventory.low_stock_threshold") == 7  # back to the environment's


def test_a_typed_value_is_stored_and_read_back_in_its_type(admin_user):
    runtime_setting_set(key="sync.sp_api.interval_minutes", raw_value="15", user=admin_user)
    runtime_setting_set(key="pricing.default_margin_floor", raw_value="22.5")
    runtime_setting_set(
        key="scoring.weights", raw_value='{"seo":0.2,"content":0.2,"images":0.2,"competitive":0.2,"compliance":0.2}'
    )
    assert runtime_setting("sync.sp_api.interval_minutes") == 15
    assert runtime_setting("pricing.default_margin_floor") == Decimal("22.5")
    assert runtime_setting("scoring.weights")["seo"] == 0.2
    row = RuntimeSetting.objects.get(key="sync.sp_api.interval_minutes")
    assert row.updated_by == admin_user


@pytest.mark.parametrize(
    ("key", "raw", "says"),
    [
        ("sync.sp_api.interval_minutes", "often", "whole number"),
        ("sync.sp_api.interval_minutes", "1.5", "whole number"),
        ("sync.sp_api.interval_minutes", True, "whole number"),
        ("pricing.default_margin_floor", "twenty", "must be a number"),
        ("scoring.weights", "{not json", "not valid json"),
        ("sync.sp_api.interval_minutes", "0", "between 1 and 1440"),
        ("pricing.default_margin_floor", "100", "below 100"),
        ("pricing.default_margin_floor", "-1", "at least 0"),
        ("seasonality.uk_calendar", '{"diy_peak_months": [13]}', "1-12"),
    ],
)
def test_a_value_failing_its_type_or_rule_is_refused_naming_the_setting(key, raw, says):
    message = _refused(key, raw)
    assert key in message
    assert says in message.lower()
    assert RuntimeSetting.objects.get(key=key).value is None  # nothing stored
    assert not _audit(key)


def test_a_value_failing_the_validation_regex_is_refused():
    message = _refused("sync.keepa.api_key", "short!")
    assert "does not match the pattern" in message
    assert "short!" not in message  # a secret is not echoed


def test_a_string_setting_with_a_regex(admin_user):
    RuntimeSetting.objects.create(
        key="shop.sender_name", data_type="string", category="general", validation_regex=r"[A-Z][a-z]+"
    )
    assert "pattern" in _refused("shop.sender_name", "lowercase")
    runtime_setting_set(key="shop.sender_name", raw_value="Acme")
    assert runtime_setting("shop.sender_name") == "Acme"


@pytest.mark.parametrize(
    ("weights", "says"),
    [
        ({"seo": 0.3, "content": 0.3, "images": 0.2, "competitive": 0.15, "compliance": 0.15}, "add up to 1"),
        ({"seo": 0.25, "content": 0.25, "images": 0.2, "competitive": 0.15, "speed": 0.15}, "unknown: speed"),
        ({"seo": 1.5, "content": -0.5, "images": 0, "competitive": 0, "compliance": 0}, "between 0 and 1"),
        ({"seo": "a", "content": 0.25, "images": 0.2, "competitive": 0.15, "compliance": 0.15}, "must be a number"),
        ([0.2, 0.2], "object of weights"),
    ],
)
def test_scoring_weights_must_be_the_five_parts_each_0_to_1_adding_up_to_1(weights, says):
    assert says in _refused("scoring.weights", json.dumps(weights))


def test_an_unknown_key_is_refused_naming_the_key():
    assert "no.such.setting" in _refused("no.such.setting", "1", field="key")


def test_every_change_is_audited_with_before_and_after(admin_user):
    runtime_setting_set(key="sync.sp_api.interval_minutes", raw_value="30", user=admin_user)
    runtime_setting_set(key="sync.sp_api.interval_minutes", raw_value="45", user=admin_user)
    runtime_setting_set(key="sync.sp_api.interval_minutes", raw_value="45", user=admin_user)  # no change
    entries = sorted(_audit("sync.sp_api.interval_minutes"), key=lambda e: e.pk)
    assert [e.changes["value"] for e in entries] == [[None, 30], [30, 45]]
    assert {e.actor for e in entries} == {admin_user}
    assert {e.action for e in entries} == {"update"}


def test_a_secret_is_encrypted_masked_in_the_audit_and_readable_by_code(admin_user):
    runtime_setting_set(key="sync.keepa.api_key", raw_value=GOOD_KEY, user=admin_user)
    row = RuntimeSetting.objects.get(key="sync.keepa.api_key")
    assert GOOD_KEY not in json.dumps(row.value)  # ciphertext at rest
    assert runtime_setting("sync.keepa.api_key") == GOOD_KEY
    shown = {r.key: r for r in runtime_settings_rows()}["sync.keepa.api_key"]
    assert shown.shown_value == SECRET_MASK
    (entry,) = _audit("sync.keepa.api_key")
    assert entry.changes["value"] == [None, SECRET_MASK]
    assert GOOD_KEY not in json.dumps(entry.changes)
    runtime_setting_set(key="sync.keepa.api_key", raw_value=None, user=admin_user)
    assert runtime_setting("sync.keepa.api_key") is None


def test_a_change_in_this_process_is_seen_at_once_and_bumps_the_version():
    assert runtime_setting("sync.sp_api.interval_minutes") == 60  # cached now
    before = SettingsVersion.objects.filter(pk="runtime_settings").values_list("value", flat=True).first() or 0
    runtime_setting_set(key="sync.sp_api.interval_minutes", raw_value="20")
    assert runtime_setting("sync.sp_api.interval_minutes") == 20
    assert SettingsVersion.objects.get(pk="runtime_settings").value == before + 1


@pytest.fixture
def _connection_kept():
    """request_started also closes old connections, which would close the test's transaction on PostgreSQL."""
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


@pytest.mark.usefixtures("_connection_kept")
def test_a_change_by_another_process_is_seen_at_the_next_request(settings, django_assert_num_queries):
    settings.RUNTIME_SETTINGS_MAX_AGE = 3600
    assert runtime_setting("sync.sp_api.interval_minutes") == 60
    # another process writes the row and bumps the version (no local invalidation here)
    RuntimeSetting.objects.filter(key="sync.sp_api.interval_minutes").update(value=25)
    SettingsVersion.objects.update_or_create(pk="runtime_settings", defaults={"value": 99})
    with django_assert_num_queries(0):
        assert runtime_setting("sync.sp_api.interval_minutes") == 60  # within one request: the cached value
    request_started.send(sender=None)
    with django_assert_num_queries(2):  # the version, then the rows (they changed)
        assert runtime_setting("sync.sp_api.interval_minutes") == 25
    request_started.send(sender=None)
    with django_assert_num_queries(1):  # the version only: nothing changed
        assert runtime_setting("sync.sp_api.interval_minutes") == 25


READER = """
import sys, time
from django.conf import settings
from django.core.signals import request_started
from accounts.runtime_settings import runtime_setting
KEY = "sync.sp_api.interval_minutes"
print(runtime_setting(KEY), flush=True)
sys.stdin.readline()
print(runtime_setting(KEY), flush=True)
request_started.send(sender=None)
print(runtime_setting(KEY), flush=True)
settings.RUNTIME_SETTINGS_MAX_AGE = 0.2
sys.stdin.readline()
time.sleep(0.3)
print(runtime_setting(KEY), flush=True)
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cache_invalidation_across_two_processes(tmp_path):
    """A second process (manage.py shell) caches the setting; the parent changes it through the service; the
    child sees the change at its next request, and without one after RUNTIME_SETTINGS_MAX_AGE."""
    if connection.vendor == "sqlite":
        # the test database is in memory: the child reads a file the parent copies its database into
        shared = tmp_path / "shared.sqlite3"

        def publish():
            connection.ensure_connection()
            target = sqlite3.connect(shared)
            connection.connection.backup(target)
            target.close()

        url = f"sqlite:///{shared}"
    else:
        s = connection.settings_dict

        def publish():
            pass

        url = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    publish()
    env = {**os.environ, "DATABASE_URL": url, "RUNTIME_SETTINGS_MAX_AGE": "3600"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    child = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", READER],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "60", child.stderr.read() if child.poll() is not None else ""
        runtime_setting_set(key="sync.sp_api.interval_minutes", raw_value="15")
        publish()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "60"  # same "request": its cache still holds the old value
        assert child.stdout.readline().strip() == "15"  # next request: the new one
        runtime_setting_set(key="sync.sp_api.interval_minutes", raw_value="20")
        publish()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "20"  # no request, but the max age passed
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 0, child.stderr.read()


def test_missing_rows_come_back_after_migrate():
    RuntimeSetting.objects.filter(key__startswith="customers.").delete()
    from django.core.management import call_command

    call_command("migrate", "accounts", verbosity=0)  # post_migrate runs even with nothing to apply
    assert RuntimeSetting.objects.filter(key="customers.vip_spend", data_type="decimal").exists()
    assert runtime_setting("customers.at_risk_days") == 90


def test_the_apps_read_their_thresholds_from_the_table(make_listable_product, settings):
    """A change on the settings page reaches the readers at once, over the environment's default
    (docs/configuration.md#runtime-settings)."""
    from decimal import Decimal

    from accounts.setting_services import runtime_setting_set
    from inventory.cost_selectors import overhead_pct
    from inventory.services import stock_for_product
    from orders.selectors import segment_rule_text
    from pricing.selectors import default_margin_floor

    settings.INVENTORY_LOW_STOCK_THRESHOLD = 5
    stock = stock_for_product(make_listable_product())
    assert stock.threshold == 5
    runtime_setting_set(key="inventory.low_stock_threshold", raw_value="12")
    runtime_setting_set(key="pricing.default_margin_floor", raw_value="27.5")
    runtime_setting_set(key="costs.overhead_pct", raw_value="3")
    runtime_setting_set(key="customers.at_risk_days", raw_value="45")
    assert stock.threshold == 12
    assert default_margin_floor() == Decimal("27.5")
    assert overhead_pct() == Decimal("3")
    assert "more than 45 days" in segment_rule_text()
