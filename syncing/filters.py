"""FilterSets for the sync history, shared by the staff pages and the API."""

import django_filters
from django.db.models import Q

from accounts.roles import user_channels

from .choices import SyncErrorKind, SyncJobKind, SyncJobStatus, SyncOperation, SyncOutcome
from .models import SyncEvent, SyncJob


class SyncJobFilterSet(django_filters.FilterSet):
    channel = django_filters.ModelChoiceFilter(queryset=user_channels)
    kind = django_filters.ChoiceFilter(choices=SyncJobKind.choices)
    status = django_filters.ChoiceFilter(choices=SyncJobStatus.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    has_failures = django_filters.BooleanFilter(method="filter_has_failures")

    class Meta:
        model = SyncJob
        fields = ["channel", "kind", "status"]

    def filter_has_failures(self, queryset, name, value):
        return queryset.filter(failed__gt=0) if value else queryset.filter(failed=0)


class SyncEventFilterSet(django_filters.FilterSet):
    """Search the history: by job, channel, listing, SKU, outcome, error kind or code, text, and time."""

    job = django_filters.NumberFilter(field_name="job_id")
    channel = django_filters.ModelChoiceFilter(queryset=user_channels)
    listing = django_filters.NumberFilter(field_name="listing_id")
    sku = django_filters.CharFilter(method="filter_sku", label="SKU")
    operation = django_filters.ChoiceFilter(choices=SyncOperation.choices)
    outcome = django_filters.MultipleChoiceFilter(choices=SyncOutcome.choices)
    error_kind = django_filters.ChoiceFilter(choices=SyncErrorKind.choices)
    error_code = django_filters.CharFilter(lookup_expr="iexact")
    http_status = django_filters.NumberFilter()
    q = django_filters.CharFilter(method="filter_text", label="Message contains")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = SyncEvent
        fields = ["job", "channel", "listing", "operation", "outcome", "error_kind", "error_code", "http_status"]

    def filter_sku(self, queryset, name, value):
        return queryset.filter(Q(listing__product__sku__iexact=value) | Q(listing__variant__sku__iexact=value))

    def filter_text(self, queryset, name, value):
        return queryset.filter(message__icontains=value)
