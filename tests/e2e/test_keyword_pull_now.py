"""Browser flow (docs/analytics.md#keyword-reports-pull-now): "Pull now" of a keyword report on the report
schedules page queues one pull (a plain form, no script); a second click while it is queued is refused with
"already queued since …" and queues nothing; the worker's run over the sandbox frees the channel and the pulls
table says "done"."""

import pytest
from django_q.models import OrmQ
from playwright.sync_api import expect

from analytics.models import KeywordReportPull

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pull_now_twice_is_refused_until_the_first_is_done(page, staff_login, make_sandbox_channel, settings):
    settings.ANALYTICS_REPORT_POLL_SECONDS = 0
    make_sandbox_channel("amazon", currency="USD", country="US", name="Amazon US")
    staff_login()

    def pull_now():
        page.goto("/analytics/report-schedules/")
        form = page.locator("#keyword-report-pull")
        form.locator("select[name=keywords-channel]").select_option(label="Amazon US")
        form.locator("select[name=keywords-report]").select_option(label="Search Query Performance")
        form.get_by_role("button", name="Pull now").click()

    pull_now()
    expect(page.locator("body")).to_contain_text(
        "Pull of last week's Search Query Performance report queued for Amazon US."
    )
    pulls = page.get_by_role("table", name="Keyword report pulls")
    expect(pulls.locator("tr[data-pull]")).to_have_count(1)
    expect(pulls.locator("tr[data-pull]")).to_contain_text("queued")

    pull_now()
    expect(page.locator("body")).to_contain_text("is already queued since")
    assert OrmQ.objects.count() == 1

    assert run_queue() == 1
    assert KeywordReportPull.objects.get().status == "done"
    pull_now()
    expect(page.locator("body")).to_contain_text("queued for Amazon US.")
    expect(pulls.locator("tr[data-pull]")).to_have_count(2)
    expect(pulls.locator("tr[data-pull]").last).to_contain_text("done")
