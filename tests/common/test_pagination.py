"""common/pagination.py: every paged staff list uses PagedListMixin, so a page past the end or a malformed page
number shows a page instead of a 404, and the count is capped."""

import pytest
from django.urls import reverse

from catalog.views import ProductListView
from common.pagination import CappedPaginator, PagedListMixin
from listings.views import ListingListView, ListingMatrixView
from syncing.models import SyncEvent
from syncing.views import SyncEventListView, SyncJobListView

pytestmark = pytest.mark.django_db

PAGED_LISTS = [ProductListView, ListingMatrixView, ListingListView, SyncJobListView, SyncEventListView]


@pytest.mark.parametrize("view", PAGED_LISTS, ids=lambda v: v.__name__)
def test_staff_lists_share_the_one_pagination_helper(view):
    assert issubclass(view, PagedListMixin)
    assert view.paginator_class is CappedPaginator
    assert view.paginate_queryset is PagedListMixin.paginate_queryset


@pytest.mark.parametrize(("page", "expected"), [("99", 2), ("abc", 1), ("0", 1)])
def test_a_page_number_out_of_range_shows_the_nearest_page(viewer_client, channel, page, expected):
    SyncEvent.objects.bulk_create(
        [SyncEvent(channel=channel, operation="create", outcome="succeeded") for _ in range(60)]
    )
    response = viewer_client.get(reverse("syncing:event_list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == expected
    assert len(response.context["events"]) == (10 if expected == 2 else 50)


def test_a_view_may_lower_the_count_cap(viewer_client, channel, monkeypatch):
    monkeypatch.setattr(SyncEventListView, "get_count_cap", lambda self: 20, raising=False)
    SyncEvent.objects.bulk_create(
        [SyncEvent(channel=channel, operation="create", outcome="succeeded") for _ in range(60)]
    )
    paginator = viewer_client.get(reverse("syncing:event_list"), {"page": "2"}).context["paginator"]
    assert (paginator.count, paginator.count_is_capped) == (20, True)
