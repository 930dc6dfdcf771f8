"""Job priority acted on (docs/operations.md#job-priority): a job's priority decides the queue lane of its task, by
who started it and its type unless given; out-of-range priorities are refused naming the field."""

import pytest
from django.db import IntegrityError, transaction
from django_q.conf import Conf
from django_q.models import OrmQ

from common.brokers import lane_key
from common.errors import ApplicationError
from operations.choices import JobType
from operations.models import Feed, Job
from operations.services.backups import backup_start
from operations.services.jobs import job_create, job_priority
from operations.services.maintenance import maintenance_start

pytestmark = pytest.mark.django_db


def _lane_of(job: Job) -> str:
    (key,) = OrmQ.objects.values_list("key", flat=True).order_by("-id")[:1]
    return key


def test_defaults_person_first_then_scheduled_then_upkeep(make_user):
    person = make_user("ops-person")
    assert job_priority(type=JobType.FEED_RUN, user=person) == 1
    assert job_priority(type=JobType.FEED_RUN) == 0
    assert job_priority(type=JobType.BACKUP) == -1
    assert job_priority(type=JobType.MAINTENANCE) == -1
    assert job_priority(type=JobType.BACKUP, user=person, priority=-5) == -5


@pytest.mark.parametrize("bad", [10, -10, 2.5, True, "high"])
def test_out_of_range_or_not_whole_is_refused_naming_the_field(bad):
    with pytest.raises(ApplicationError, match=r"^priority: give a whole number from -9 \(last\) to 9"):
        job_create(type=JobType.BACKUP, priority=bad)
    assert not Job.objects.exists()
    assert not OrmQ.objects.exists()


def test_the_database_refuses_a_priority_out_of_range():
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(type=JobType.BACKUP, priority=12)


def test_each_job_is_queued_in_its_priority_lane(make_user):
    scheduled = backup_start()
    assert (scheduled.priority, _lane_of(scheduled)) == (-1, lane_key(Conf.CLUSTER_NAME, -1))
    started = maintenance_start(vacuum=False, analyze=True, user=make_user("ops-admin"))
    assert (started.priority, _lane_of(started)) == (1, lane_key(Conf.CLUSTER_NAME, 1))
    urgent = maintenance_start(vacuum=False, analyze=True, priority=7)
    assert _lane_of(urgent) == f"{Conf.CLUSTER_NAME}@7"


def test_api_takes_a_priority_and_refuses_a_bad_one(admin_api):
    feed = Feed.objects.create(name="prio feed", source_type="upload", mapping={"sku": {"from": "sku"}})
    refused = admin_api.post(f"/api/v1/feeds/{feed.pk}/run/", {"priority": 10}, format="json")
    assert refused.status_code == 400
    assert "priority" in str(refused.json())
    assert not Job.objects.exists()
    started = admin_api.post(f"/api/v1/feeds/{feed.pk}/run/", {"priority": 4}, format="json")
    assert started.status_code == 202
    job = Job.objects.get()
    assert job.priority == 4
    assert started.json()["priority"] == 4
    assert _lane_of(job) == f"{Conf.CLUSTER_NAME}@4"

    maintenance = admin_api.post("/api/v1/operations/maintenance/", {"analyze": True, "priority": -10}, format="json")
    assert maintenance.status_code == 400
    assert "priority" in str(maintenance.json())
    backup = admin_api.post("/api/v1/backups/", {}, format="json")  # a person: before scheduled work
    assert backup.status_code == 202
    assert backup.json()["priority"] == 1
