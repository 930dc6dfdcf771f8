"""FilterSets for the sync history, shared by the staff pages and the API."""

import django_filters
from django import forms
from django.db.models import Q

from accounts.roles import user_channels
from common.filters import AnyYesNo, DateTimePicker, HumanFilterSet

from .choices import SyncErrorKind, SyncJobKind, SyncJobStatus, SyncOperation, SyncOutcome
from .models import SyncEvent, SyncJob


class SyncJobFilterSet(HumanFilterSet):
    channel = django_filters.ModelChoiceFilter(queryset=user_channels, label="Channel", empty_label="Any channel")
    kind = django_filters.ChoiceFilter(choices=SyncJobKind.choices, label="Kind", empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=SyncJobStatus.choices, label="Status", empty_label="Any status")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Started from", widget=DateTimePicker
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Started before", widget=DateTimePicker
    )
    has_failures = django_filters.BooleanFilter(method="filter_has_failures", label="Has failures", widget=AnyYesNo)

    class Meta:
        model = SyncJob
        fields = ["channel", "kind", "status"]

    def filter_has_failures(self, queryset, name, value):
        return queryset.filter(failed__gt=0) if value else queryset.filter(failed=0)


class SyncEventFilterSet(HumanFilterSet):
    """Search the history: by job, channel, listing, SKU, outcome, error kind or code, text, and time."""

    # Job and listing arrive from links on the job and listing pages (the page names them), not typed ids.
    job = django_filters.NumberFilter(field_name="job_id", label="Job", widget=forms.HiddenInput)
    channel = django_filters.ModelChoiceFilter(queryset=user_channels, label="Channel", empty_label="Any channel")
    listing = django_filters.NumberFilter(field_name="listing_id", label="Listing", widget=forms.HiddenInput)
    sku = django_filters.CharFilter(method="filter_sku", label="SKU")
    operation = django_filters.ChoiceFilter(
        choices=SyncOperation.choices, label="Operation", empty_label="Any operation"
    )
    outcome = django_filters.MultipleChoiceFilter(choices=SyncOutcome.choices, label="Outcome")
    error_kind = django_filters.ChoiceFilter(
        choices=SyncErrorKind.choices, label="Kind of error", empty_label="Any kind"
    )
    error_code = django_filters.CharFilter(lookup_expr="iexact", label="Error code")
    http_status = django_filters.NumberFilter(label="HTTP status code")
    q = django_filters.CharFilter(method="filter_text", label="Message contains")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="From", widget=DateTimePicker
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Until", widget=DateTimePicker
    )

    class Meta:
        model = SyncEvent
        fields = ["job", "channel", "listing", "operation", "outcome", "error_kind", "error_code", "http_status"]

    def filter_sku(self, queryset, name, value):
        return queryset.filter(Q(listing__product__sku__iexact=value) | Q(listing__variant__sku__iexact=value))

    def filter_text(self, queryset, name, value):
        return queryset.filter(message__icontains=value)
