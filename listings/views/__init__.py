"""Staff pages of listings, one module per topic: the matrix (`matrix`), the filtered list and its bulk actions
(`lists`), one listing's page and its actions (`detail`), deactivating on the marketplace (`deactivate`) and the
helpers they share (`shared`, also used by the catalog's product pages). Writes call listings/syncing services
only. The names below are what `listings/urls.py` and other apps import."""

from .deactivate import ListingDeactivateView, ProductDelistView
from .detail import ListingActionView, ListingDetailView, ListingOverridesView
from .lists import ListingBulkView, ListingListView, ListingPublishChangesView
from .matrix import ListingCellView, ListingMatrixView
from .shared import flash_publish, job_watch_context

__all__ = [
    "ListingActionView",
    "ListingBulkView",
    "ListingCellView",
    "ListingDeactivateView",
    "ListingDetailView",
    "ListingListView",
    "ListingMatrixView",
    "ListingOverridesView",
    "ListingPublishChangesView",
    "ProductDelistView",
    "flash_publish",
    "job_watch_context",
]
