"""Browser: the Jobs page follows a running job live (polling under the CSP) and its Stop button stops it
between chunks; the job's log on its page fills in as it runs."""

import re
import threading
import time

import pytest
from django.db import connections
from playwright.sync_api import expect

from operations.choices import JobStatus, JobType
from operations.models import Job
from operations.services import jobs as jobs_service
from operations.services import runners
from operations.services.jobs import job_create
from operations.services.runners import job_execute

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STEPS = 1200
STEP_SECONDS = 0.05  # 60 s if never stopped: long enough to watch, stop and see it end on a loaded box


@pytest.fixture
def slow_job(monkeypatch):
    """A queued maintenance job whose runner works through STEPS chunks; `start()` runs it in a worker thread."""
    monkeypatch.setattr(jobs_service, "enqueue", lambda *args, **kwargs: None)
    monkeypatch.setattr(jobs_service, "STOP_CHECK_SECONDS", 0)
    monkeypatch.setattr(jobs_service, "SAVE_EVERY_SECONDS", 0)

    def runner(run):
        run.stage("Chunks", total=STEPS)
        for i in range(STEPS):
            run.check_stop()
            time.sleep(STEP_SECONDS)
            run.advance(read=1, written=1)
            if i % 20 == 0:
                run.log(f"chunk {i} done")
        return {}

    monkeypatch.setitem(runners.RUNNERS, JobType.MAINTENANCE, runner)
    job = job_create(type=JobType.MAINTENANCE)

    def work():
        try:
            job_execute(job_id=job.pk)
        finally:
            connections.close_all()

    worker = threading.Thread(target=work, daemon=True)
    yield job, worker.start
    if worker.ident is not None:
        worker.join(timeout=90)


def test_jobs_page_shows_live_progress_and_stop_ends_the_job(page, make_user, slow_job):
    job, start = slow_job
    admin = make_user("ops-admin", "admin")
    admin.set_password(PASSWORD)
    admin.save()
    page.goto("/accounts/login/")
    page.fill("#id_username", "ops-admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    # the list shows the queued job; once the worker runs, its progress bar moves without a reload
    page.goto("/operations/?active=on")
    row = page.locator(f'tr[data-job-id="{job.public_id}"]')
    expect(row).to_contain_text("Queued")
    start()
    expect(row.locator("[data-poll-label]")).to_contain_text(re.compile(rf"[1-9]\d*/{STEPS}"))
    first = int(row.locator("progress").get_attribute("value") or 0)
    expect(row.locator("progress")).not_to_have_attribute("value", str(first), timeout=10_000)

    # the job page: the stage and log fill in while it runs; Stop (confirmed) stops it at a chunk boundary
    row.get_by_role("link", name=job.public_id).click()
    expect(page.locator("[data-job-stage]")).to_have_text("Chunks")
    expect(page.locator("#job-log")).to_contain_text("chunk 20 done")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#job-stop")
    expect(page.locator("ul.messages")).to_contain_text("Stop requested")
    expect(page.locator("[data-poll-status]")).to_have_text("Cancelled")
    expect(page.locator("#job-log")).to_contain_text("Stopped on request.")

    stopped = Job.objects.get(pk=job.pk)
    assert stopped.status == JobStatus.CANCELLED
    assert 0 < stopped.processed < STEPS
