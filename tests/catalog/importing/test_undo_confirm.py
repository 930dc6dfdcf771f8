"""The batch page's undo asks for confirmation first, naming what it will do (docs/imports.md#what-an-operator-sees)."""

import pytest
from django.urls import reverse

from catalog.models import ImportBatch

pytestmark = pytest.mark.django_db


def _batch(status):
    return ImportBatch.objects.create(
        token=f"tok-{status}",
        file="imports/x.csv",
        original_filename="x.csv",
        file_format="csv",
        status=status,
        created_count=3,
        updated_count=2,
    )


def test_undo_of_a_committed_import_asks_for_confirmation(staff_client):
    batch = _batch("committed")
    page = staff_client.get(reverse("imports:batch_detail", kwargs={"pk": batch.pk})).content.decode()
    assert (
        'id="import-undo" data-confirm="Undo this import? It deletes the 3 product(s) it created and restores the 2'
        in page
    )


def test_no_undo_before_the_import_is_committed(staff_client):
    batch = _batch("validated")
    page = staff_client.get(reverse("imports:batch_detail", kwargs={"pk": batch.pk})).content.decode()
    assert 'id="import-undo"' not in page
