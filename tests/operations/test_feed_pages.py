"""Feed pages: admin only; create with a preview of the mapping (nothing saved), save, Run now, run history."""

import json
import shutil

import pytest
from django.test import Client

from catalog.models import Product
from operations.choices import JobStatus
from operations.demo import DEMO_MAPPING, SAMPLE
from operations.models import Feed, Job
from operations.services.runners import job_execute

from .conftest import FEED_PASSWORD, FEED_USER

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user("ops-admin", "admin"))
    return client


@pytest.fixture(autouse=True)
def _setup(settings, monkeypatch):
    settings.FEED_ALLOW_PRIVATE_HOSTS = True
    monkeypatch.setattr("operations.services.jobs.enqueue", lambda *args, **kwargs: None)


def form_data(url, **extra):
    return {
        "name": "Etilize",
        "source_type": "ftp",
        "url": url,
        "username": FEED_USER,
        "password": FEED_PASSWORD,
        "path_pattern": "products_*.csv",
        "format": "csv",
        "record_path": "",
        "mapping": json.dumps(DEMO_MAPPING),
        "on_error": "reject-all",
        "schedule": "",
        "is_active": "on",
    } | extra


def test_pages_are_for_admins_only(editor_client, viewer_client):
    feed = Feed.objects.create(name="f", source_type="upload", mapping=DEMO_MAPPING)
    for client in (editor_client, viewer_client):
        assert client.get("/operations/feeds/").status_code == 403
        assert client.get(f"/operations/feeds/{feed.pk}/").status_code == 403
        assert client.post(f"/operations/feeds/{feed.pk}/run/").status_code == 403
    assert not Job.objects.exists()


def test_preview_while_creating_saves_nothing_then_save_and_run(admin_client, ftp_server, feed_dir):
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    response = admin_client.post("/operations/feeds/new/", form_data(ftp_server) | {"preview": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview of products_1.csv: 8 row(s)" in html
    assert "107.99" in html  # the price after markup and rounding
    assert "Office &gt; Printer supplies &gt; Toner" in html
    assert not Feed.objects.exists()

    response = admin_client.post("/operations/feeds/new/", form_data(ftp_server) | {"save": "1"})
    feed = Feed.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/operations/feeds/{feed.pk}/"
    page = admin_client.get(response["Location"]).content.decode()
    assert FEED_PASSWORD not in page
    assert "A password is stored" in page

    response = admin_client.post(f"/operations/feeds/{feed.pk}/run/")
    job = Job.objects.get()
    assert response["Location"] == f"/operations/jobs/{job.public_id}/"
    job_execute(job_id=job.pk)
    assert Product.objects.count() == 8
    history = admin_client.get(f"/operations/feeds/{feed.pk}/").content.decode()
    assert job.public_id in history
    assert JobStatus.SUCCEEDED.label in history
    listing = admin_client.get("/operations/feeds/").content.decode()
    assert f'href="/operations/jobs/{job.public_id}/"' in listing


def test_bad_input_on_the_form_is_a_message(admin_client, ftp_server):
    bad_mapping = json.dumps({"sku": {"from": "MfgPartNo"}, "colour": {"from": "x"}})
    response = admin_client.post("/operations/feeds/new/", form_data(ftp_server, mapping=bad_mapping))
    assert response.status_code == 400
    assert "&#x27;colour&#x27; is not an import column" in response.content.decode()
    response = admin_client.post("/operations/feeds/new/", form_data(ftp_server, schedule="nightly"))
    assert "is not a cron expression" in response.content.decode()
    response = admin_client.post("/operations/feeds/new/", form_data(ftp_server, mapping="{not json"))
    assert response.status_code == 400
    assert not Feed.objects.exists()


def test_preview_error_is_shown(admin_client, ftp_server):
    response = admin_client.post("/operations/feeds/new/", form_data(ftp_server, password="wrong") | {"preview": "1"})
    assert response.status_code == 200
    assert "FTP login refused" in response.content.decode()
    assert not Feed.objects.exists()


def test_run_now_while_running_is_refused_with_a_message(admin_client):
    feed = Feed.objects.create(name="f", source_type="upload", mapping=DEMO_MAPPING)
    admin_client.post(f"/operations/feeds/{feed.pk}/run/")
    response = admin_client.post(f"/operations/feeds/{feed.pk}/run/", follow=True)
    assert "is already running" in response.content.decode()
    assert Job.objects.count() == 1


def test_a_feed_run_links_back_to_its_feed_on_the_job_page(admin_client):
    from operations.services.feeds import feed_run_start

    feed = Feed.objects.create(name="f", source_type="upload", mapping=DEMO_MAPPING)
    job = feed_run_start(feed=feed)
    page = admin_client.get(f"/operations/jobs/{job.public_id}/").content.decode()
    assert f'href="/operations/feeds/{feed.pk}/"' in page
