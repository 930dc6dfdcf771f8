"""POST /api/v1/listings/publish/: publish listings of several channels, one job per channel."""

import pytest
import yaml
from django_q.models import OrmQ

from accounts.roles import EDITOR
from accounts.services import user_channels_restrict
from channels.models import Channel
from syncing.models import SyncJob

pytestmark = pytest.mark.django_db

URL = "/api/v1/listings/publish/"


def test_publish_starts_one_job_per_channel(api, make_channel, make_listing):
    # given listings on two channels
    alpha, beta = make_channel("shopify", name="Alpha"), make_channel("etsy", name="Beta")
    on_alpha, on_beta = make_listing(channel=alpha), make_listing(channel=beta)
    # when
    response = api.post(URL, {"listings": [on_beta.pk, on_alpha.pk]}, format="json")
    # then
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["started"], body["refused"]) == (2, 0)
    assert [(r["channel"], r["listings"], r["error"]) for r in body["results"]] == [
        (alpha.pk, [on_alpha.pk], None),
        (beta.pk, [on_beta.pk], None),
    ]
    jobs = {job.pk: job for job in SyncJob.objects.all()}
    assert [jobs[r["job"]["id"]].listing_ids for r in body["results"]] == [[on_alpha.pk], [on_beta.pk]]
    assert all(r["job"]["status"] == "queued" for r in body["results"])


def test_publish_reports_a_refusing_channel_and_starts_the_others(api, make_channel, make_listing):
    # given one paused channel
    paused, active = make_channel("shopify", name="Alpha paused"), make_channel("etsy", name="Beta")
    on_paused, on_active = make_listing(channel=paused), make_listing(channel=active)
    Channel.objects.filter(pk=paused.pk).update(is_active=False)
    # when
    response = api.post(URL, {"listings": [on_paused.pk, on_active.pk]}, format="json")
    # then
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["started"], body["refused"]) == (1, 1)
    refused, started = body["results"]
    assert (refused["channel"], refused["job"]) == (paused.pk, None)
    assert refused["error"]["status"] == 409
    assert "paused" in refused["error"]["detail"]
    assert set(refused["error"]) >= {"status", "code", "detail", "errors"}
    assert started["job"]["id"] == SyncJob.objects.get(channel=active).pk
    assert not SyncJob.objects.filter(channel=paused).exists()


def test_publish_when_every_channel_refuses_is_409_and_enqueues_nothing(api, ready_listing):
    # given
    Channel.objects.filter(pk=ready_listing.channel_id).update(is_active=False)
    queued_before = OrmQ.objects.count()
    # when
    response = api.post(URL, {"listings": [ready_listing.pk]}, format="json")
    # then
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "nothing_published"
    assert [(e["field"], e["message"].split(":")[0]) for e in body["errors"]] == [
        ("listings", f"Channel #{ready_listing.channel_id}")
    ]
    assert "paused" in body["errors"][0]["message"]
    assert not SyncJob.objects.exists()
    assert OrmQ.objects.count() == queued_before


def test_publish_unknown_or_other_channels_ids_are_400(make_user, token_client_for, make_channel, make_listing):
    # given an editor limited to one channel
    mine, other = make_channel("shopify"), make_channel("etsy")
    on_mine, on_other = make_listing(channel=mine), make_listing(channel=other)
    user = make_user("limited-api", EDITOR)
    user_channels_restrict(target=user, channel_ids=[mine.pk])
    client = token_client_for(user)
    # when
    response = client.post(URL, {"listings": [on_mine.pk, on_other.pk, 999_999]}, format="json")
    # then nothing is published and the invisible ids read as unknown
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "listings", "code": "invalid", "message": f"Unknown listing id(s): {on_other.pk}, 999999."}
    ]
    assert not SyncJob.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="missing_case"),
        pytest.param({"listings": []}, id="empty_case"),
        pytest.param({"listings": ["1"]}, id="string_id_case"),
    ],
)
def test_publish_invalid_body_is_400(api, body):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("listings")


def test_viewer_cannot_publish_many(viewer_api, ready_listing):
    response = viewer_api.post(URL, {"listings": [ready_listing.pk]}, format="json")
    assert response.status_code == 403
    assert not SyncJob.objects.exists()


def test_publish_many_is_in_the_schema(anon_api):
    schema = yaml.safe_load(anon_api.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/listings/publish/"]["post"]
    assert set(operation["responses"]) >= {"202", "400", "403", "409"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ListingPublishRequest")
    assert operation["operationId"] == "v1_listings_publish_many"
