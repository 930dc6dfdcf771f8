"""FilterSet of listings, shared by the staff listing pages and the API."""

from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

from accounts.roles import channel_scoped, user_channels
from catalog.filters import product_search_condition
from common.api.serializers import MAX_ID
from common.filters import AnyYesNo, HumanFilterSet

from .choices import ListingStatus
from .models import Listing

LISTING_SORTS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "status": ("status", "id"),
    "channel": ("channel_id", "id"),
    "updated": ("updated_at", "id"),
    "pushed": ("last_pushed_at", "id"),
    # the newest listing score (analytics, docs/analytics.md#listing-score); unscored listings last
    "score": ("latest_score__total_score", "id"),
    # the stored net margin % (pricing, docs/pricing.md#stored-margins); listings without one last
    "margin": ("margin__net_margin_pct", "id"),
}
SORT_LABELS = {
    "id": "Created",
    "status": "Status",
    "channel": "Channel",
    "updated": "Updated",
    "pushed": "Last pushed",
    "score": "Score",
    "margin": "Margin %",
}

LISTING_READINESS_CHOICES = [
    ("ready", "Can be published"),
    ("blocked", "Blocked"),
    ("unchecked", "Not checked yet"),
]


class ListingRangeFilterForm(forms.Form):
    """The form of a per-listing time series' filters (price history, performance metrics): `listing` must exist
    and `from` may not be after `to`, each refused naming its field."""

    def clean_listing(self) -> Any:
        listing = self.cleaned_data.get("listing")
        if listing is not None and not Listing.objects.filter(pk=listing).exists():
            raise ValidationError(f"Listing {listing} does not exist.")
        return listing

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise ValidationError({"from": f"'from' ({start.isoformat()}) is after 'to' ({end.isoformat()})."})
        return data


class ListingScopeForm(forms.Form):
    """The form of a FilterSet whose `listing` (an id) arrives from a link on the listing page: the filter form
    keeps it hidden and the page names the listing instead (`scoped_listing`, "SKU on Channel", with a link and
    "show all"; templates/includes/listing_scope.html). `user` is set by `ListingScopedFilterSet`."""

    user: Any = None

    @cached_property
    def scoped_listing(self) -> Listing | None:
        """The listing filtered on, if the user may see it; one query, and only when the filter is given."""
        if not self.is_bound or self.errors.get("listing"):
            return None
        value = self.cleaned_data.get("listing")
        if value is None or value != int(value) or not 0 < value <= MAX_ID:
            return None
        listings = channel_scoped(Listing.objects.select_related("product", "variant", "channel"), self.user)
        return listings.filter(pk=int(value)).first()


class ListingScopedFilterSet(HumanFilterSet):
    """A FilterSet with a `listing` id filter and a `ListingScopeForm` (Meta.form): hands the form its user."""

    @property
    def form(self) -> Any:
        form = super().form
        form.user = getattr(self.request, "user", None)
        return form


class ListingFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_min", f"The minimum score {low} is above the maximum {high}.")
        low, high = data.get("margin_min"), data.get("margin_max")
        if low is not None and high is not None and low > high:
            self.add_error("margin_min", f"The minimum margin {low} % is above the maximum {high} %.")
        return data


class ListingFilterSet(HumanFilterSet):
    """Listings by channel, status, product text (SKU prefix / title), stored readiness verdict, errors; sortable."""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "SKU, title, barcode or variant SKU", "type": "search"}),
    )
    channel = django_filters.ModelChoiceFilter(queryset=user_channels, label="Channel", empty_label="Any channel")
    status = django_filters.MultipleChoiceFilter(
        choices=ListingStatus.choices, label="Status", widget=forms.SelectMultiple(attrs={"size": 1})
    )
    product = django_filters.NumberFilter(field_name="product_id", widget=forms.HiddenInput)
    readiness = django_filters.ChoiceFilter(
        choices=LISTING_READINESS_CHOICES, method="filter_readiness", label="Readiness", empty_label="Any readiness"
    )
    has_error = django_filters.BooleanFilter(method="filter_has_error", label="Has an error", widget=AnyYesNo)
    changed_since_push = django_filters.BooleanFilter(
        field_name="changed_since_push", label="Changes not pushed", widget=AnyYesNo
    )
    score_min = django_filters.NumberFilter(
        field_name="latest_score__total_score",
        lookup_expr="gte",
        label="Score from",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
    )
    score_max = django_filters.NumberFilter(
        field_name="latest_score__total_score",
        lookup_expr="lte",
        label="Score to",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
    )
    margin_min = django_filters.NumberFilter(
        field_name="margin__net_margin_pct", lookup_expr="gte", label="Margin % from", max_digits=9, decimal_places=2
    )
    margin_max = django_filters.NumberFilter(
        field_name="margin__net_margin_pct", lookup_expr="lte", label="Margin % to", max_digits=9, decimal_places=2
    )
    below_floor = django_filters.BooleanFilter(method="filter_below_floor", label="Below margin floor", widget=AnyYesNo)
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort",
        empty_label="Newest first",
        choices=[(k, f"{label} ↑") for k, label in SORT_LABELS.items()]
        + [(f"-{k}", f"{label} ↓") for k, label in SORT_LABELS.items()],
    )

    class Meta:
        model = Listing
        fields = ["q", "channel", "status", "product", "readiness"]
        form = ListingFilterForm

    def filter_search(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        """The product search (docs/catalog.md#search): each word over the SKU, title, barcode and the variants'
        SKUs and barcodes of the listed product, so a variant's SKU finds its family's listing too."""
        return queryset.filter(product_search_condition(value, prefix="product__"))

    def filter_has_error(self, queryset: QuerySet[Listing], name: str, value: bool | None) -> QuerySet[Listing]:
        if value is None:
            return queryset
        return queryset.exclude(last_error_message="") if value else queryset.filter(last_error_message="")

    def filter_readiness(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        """From the stored verdict (kept fresh by listings_readiness_refresh), so any number of rows is fine."""
        if value == "ready":
            return queryset.filter(readiness_blocking=0)
        if value == "blocked":
            return queryset.filter(readiness_blocking__gt=0)
        if value == "unchecked":
            return queryset.filter(readiness_blocking__isnull=True)
        return queryset

    def filter_below_floor(self, queryset: QuerySet[Listing], name: str, value: bool | None) -> QuerySet[Listing]:
        """From the stored margins: a listing without one (no landed cost, not computed yet) counts as below."""
        if value is None:
            return queryset
        below = Q(margin__below_floor=True) | Q(margin__isnull=True)
        return queryset.filter(below) if value else queryset.exclude(below)

    def filter_sort(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        return queryset

    @property
    def qs(self) -> QuerySet[Listing]:
        if not hasattr(self, "_sorted_qs"):
            queryset = super().qs
            sort = (self.form.cleaned_data.get("sort") if self.is_bound else "") or "-id"
            fields: Any = LISTING_SORTS.get(sort.lstrip("-"), ("id",))
            descending = sort.startswith("-")
            if descending:
                fields = tuple(f"-{f}" for f in fields)
            if sort.lstrip("-") in ("score", "margin"):  # unscored listings last either way, on both databases
                score = F(LISTING_SORTS[sort.lstrip("-")][0])
                fields = (score.desc(nulls_last=True) if descending else score.asc(nulls_last=True), fields[1])
            self._sorted_qs = queryset.order_by(*fields)
        return self._sorted_qs
