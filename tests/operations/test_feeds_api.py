"""/api/v1/feeds/: admin role only, the write-only password, refusals as 400 with the message, run and preview."""

import shutil

import pytest

from operations.choices import JobStatus, JobType
from operations.demo import DEMO_MAPPING, SAMPLE
from operations.models import Feed, Job
from operations.services.runners import job_execute

from .conftest import FEED_PASSWORD, FEED_USER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_hosts(settings):
    settings.FEED_ALLOW_PRIVATE_HOSTS = True


@pytest.fixture
def queued(monkeypatch):
    """Runs are not handed to a worker; the test runs them with job_execute."""
    ids = []
    monkeypatch.setattr("operations.services.jobs.enqueue", lambda func, job_id, **kw: ids.append(job_id))
    return ids


def body(url, **extra):
    return {
        "name": "Etilize",
        "source_type": "ftp",
        "url": url,
        "username": FEED_USER,
        "password": FEED_PASSWORD,
        "path_pattern": "products_*.csv",
        "format": "csv",
        "record_path": "",
        "mapping": DEMO_MAPPING,
        "on_error": "reject-all",
        "schedule": "0 3 * * *",
        "is_active": True,
    } | extra


def test_non_admins_get_403(api, viewer_api, roleless_api, channel_manager_api):
    feed = Feed.objects.create(name="f", source_type="upload", mapping=DEMO_MAPPING)
    for client in (api, viewer_api, roleless_api, channel_manager_api):
        assert client.get("/api/v1/feeds/").status_code == 403
        assert client.post("/api/v1/feeds/", body("ftp://example.com/x/"), format="json").status_code == 403
        assert client.post(f"/api/v1/feeds/{feed.pk}/run/").status_code == 403
        assert client.post(f"/api/v1/feeds/{feed.pk}/preview/").status_code == 403
    assert not Job.objects.exists()


def test_admin_creates_runs_and_previews_a_feed(admin_api, ftp_server, feed_dir, queued):
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    response = admin_api.post("/api/v1/feeds/", body(ftp_server), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert "password" not in data
    assert data["has_password"] is True
    assert data["source_type"] == "ftp"
    assert data["mapping"] == DEMO_MAPPING
    feed = Feed.objects.get(pk=data["id"])
    assert FEED_PASSWORD not in feed.password_encrypted

    preview = admin_api.post(f"/api/v1/feeds/{feed.pk}/preview/")
    assert preview.status_code == 200
    assert preview.json()["rows"][0]["sku"] == "HP-CF410A"
    assert len(preview.json()["rows"]) == 8

    started = admin_api.post(f"/api/v1/feeds/{feed.pk}/run/")
    assert started.status_code == 202
    assert started.json()["type"] == JobType.FEED_RUN
    assert admin_api.post(f"/api/v1/feeds/{feed.pk}/run/").status_code == 409  # the lock
    job = job_execute(job_id=queued[0])
    assert job.status == JobStatus.SUCCEEDED
    done = admin_api.get(f"/api/v1/jobs/{job.public_id}/").json()
    assert (done["read_count"], done["write_count"], done["skip_count"]) == (8, 8, 0)

    # a PATCH without password keeps it; "" removes it
    assert admin_api.patch(f"/api/v1/feeds/{feed.pk}/", {"is_active": False}, format="json").status_code == 200
    assert Feed.objects.get(pk=feed.pk).password_encrypted == feed.password_encrypted
    assert admin_api.patch(f"/api/v1/feeds/{feed.pk}/", {"password": ""}, format="json").json()["has_password"] is False


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"mapping": {"sku": {"from": "A"}, "colour": {"from": "B"}}}, "'colour' is not an import column"),
        ({"schedule": "every night"}, "is not a cron expression"),
        ({"url": "http://example.com/x.csv"}, "needs a URL starting with ftp://"),
        ({"source_type": "gopher"}, "is not a valid choice"),
        ({"mapping": {"title": {"from": "Name"}}}, "must fill the sku column"),
        ({"mapping": {"sku": {"from": "A", "transform": {"type": "magic"}}}}, "unknown transform 'magic'"),
    ],
)
def test_bad_feed_is_400_with_the_message(admin_api, change, words):
    response = admin_api.post("/api/v1/feeds/", body("ftp://example.com/in/") | change, format="json")
    assert response.status_code == 400
    assert words in str(response.json()["errors"])
    assert not Feed.objects.exists()


def test_preview_refusal_is_400(admin_api, settings):
    settings.FEED_ALLOW_PRIVATE_HOSTS = False
    feed = Feed.objects.create(name="f", source_type="ftp", url="ftp://127.0.0.1:1/in/", mapping=DEMO_MAPPING)
    response = admin_api.post(f"/api/v1/feeds/{feed.pk}/preview/")
    assert response.status_code == 400
    assert "private or local address" in str(response.json()["errors"])


def test_feeds_are_in_the_openapi_schema(anon_api):
    schema = anon_api.get("/api/schema/").content.decode()
    for path in ("/api/v1/feeds/:", "/api/v1/feeds/{id}/run/:", "/api/v1/feeds/{id}/preview/:"):
        assert path in schema
    assert "has_password" in schema
