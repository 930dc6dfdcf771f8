import pickle

import pytest
from django.urls import reverse

from accounts.audit import current_actor
from catalog.services import product_update
from syncing import tasks as sync_tasks
from syncing.tasks import _as_sync_job
from tests.catalog.factories import ProductFactory


def test_sync_tasks_run_as_their_sync_job():
    seen = []
    wrapped = _as_sync_job(lambda job_id, *args: seen.append(current_actor()))
    wrapped(7, [1, 2])
    assert (seen[0].kind, seen[0].label) == ("sync", "sync job #7")
    assert current_actor().kind == "system"  # restored after the task


def test_wrapped_sync_tasks_still_pickle_by_reference_for_django_q():
    restored = pickle.loads(pickle.dumps(sync_tasks.sync_listing_push_task))
    assert restored is sync_tasks.sync_listing_push_task


@pytest.mark.django_db
def test_product_page_shows_its_change_history(staff_client):
    product = ProductFactory(title="Old title")
    product_update(product=product, title="New title")
    response = staff_client.get(reverse("catalog:product_detail", args=[product.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "audit-history" in html
    assert "New title" in html


@pytest.mark.django_db
def test_nav_links_to_audit_log_and_sessions(staff_client):
    html = staff_client.get("/").content.decode()
    assert reverse("accounts:auditentry_list") in html
    assert reverse("accounts:security") in html
