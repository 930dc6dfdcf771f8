"""Playwright driving Debian's Chromium against pytest-django's live server; screenshots on failure.

The sync and import workers are replaced by `run_queue()`, which runs the queued django-q2 tasks in the test
process (the same code a worker runs), so a test decides when background work happens.
"""

from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "pw-Browser-123-long"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def browser(monkeypatch, live_server):
    """One Chromium per test. Playwright's sync API keeps an event loop in this thread while it runs; the test's
    own ORM calls are still synchronous, one at a time, so Django's async-safety guard is lifted for exactly that
    time (function scope: the loop is gone before the database is flushed, and the variable never leaks to
    other tests, some of which run `check --deploy`, which refuses it)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium) first.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
        # The test's own ORM calls ran while Playwright's loop was active, on a connection of that context which
        # nothing else closes: on PostgreSQL it kept a session open and the test database could not be dropped
        # at the end ("is being accessed by other users").
        connections.close_all()


@pytest.fixture
def page(browser, request, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        RESULTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(RESULTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def screenshot(page, name: str) -> None:
    """Store a README screenshot under docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def run_queue(limit: int = 200) -> int:
    """Run every queued task (delayed ones too) in this process, oldest first; returns how many ran."""
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    ran = 0
    while ran < limit:
        row = OrmQ.objects.order_by("id").first()
        if row is None:
            return ran
        task = SignedPackage.loads(row.payload)
        row.delete()
        task["func"](*task["args"], **task["kwargs"])
        ran += 1
    raise AssertionError(f"queue did not drain after {limit} tasks ({timezone.now()})")


@pytest.fixture
def staff_login(page, make_user):
    """Log in through the real login form as an editor who also manages channels."""

    def login(username="casey"):
        from django.contrib.auth.models import Group

        user = make_user(username)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(*Group.objects.filter(name__in=["editor", "channel_manager"]))
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        return user

    return login


@pytest.fixture
def live_on_sandbox_shopify(make_channel, make_listing, sandbox):
    """A listing published live on a Shopify channel of the marketplace sandbox (fast rate for the set-up)."""

    def make(name: str = "Shopify US"):
        from syncing.services import listings_publish

        account = sandbox.account("shopify")
        shop = make_channel(
            "shopify",
            name=name,
            base_url=sandbox.url("shopify"),
            shop_id=account["shop_id"],
            credentials=account["credentials"],
            rate_limit_per_second=200,
            rate_limit_burst=5,
        )
        listing = make_listing(channel=shop)
        listings_publish(channel=shop, listing_ids=[listing.pk])
        run_queue()
        listing.refresh_from_db()
        assert listing.status == "live"
        return shop, listing

    return make
