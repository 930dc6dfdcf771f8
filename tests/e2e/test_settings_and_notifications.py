"""Browser flow (docs/configuration.md#runtime-settings, docs/operations.md#notifications): an admin changes a
runtime setting on the page (a bad value is refused next to its field), sees the unread count in the header and
opens the notification centre to mark everything read."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.runtime_settings import runtime_setting
from operations.services.notifications import notification_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_change_a_setting_then_read_the_notifications(page, staff_login):
    user = staff_login()
    user.groups.add(Group.objects.get(name="admin"))
    notification_create(kind="oversell", title="Oversold: order 77, MUG × 1", link="/orders/", user_ids=[user.pk])
    notification_create(kind="alert", title="Price drop · kettle", user_ids=[user.pk])

    page.goto("/operations/settings/")
    interval = page.locator('[name="sync.sp_api.interval_minutes"]')
    interval.fill("0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-errors")).to_be_visible()
    expect(page.locator('[id="id_sync.sp_api.interval_minutes_errors"]')).to_contain_text("between 1 and 1440")

    page.locator('[name="sync.sp_api.interval_minutes"]').fill("15")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: sync.sp_api.interval_minutes")
    assert runtime_setting("sync.sp_api.interval_minutes") == 15
    expect(page.locator('[name="sync.sp_api.interval_minutes"]')).to_have_value("15")

    expect(page.locator("#notifications-unread")).to_have_text("2")
    page.locator("#notifications-link").click()
    expect(page.locator("#notifications")).to_contain_text("Oversold: order 77, MUG × 1")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#notifications-unread")).to_have_count(0)
    expect(page.locator("#notifications tr.unread")).to_have_count(0)
