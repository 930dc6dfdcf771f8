"""FilterSets of the competitors app, shared by the pages and the API."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.choices import CallableChoiceIterator

from accounts.roles import channel_scoped, user_channels
from channels.choices import marketplace_choices
from common.filters import AnyYesNo, HumanFilterSet

from .choices import AlertSeverity, AlertStatus, AlertType, TrackingPriority
from .models import Alert, Competitor, CompetitorObservation


def user_competitors(request: Any) -> QuerySet[Competitor]:
    """Competitors on the channels the request's user may use, by name, for the alert inbox's choice."""
    return channel_scoped(Competitor.objects.order_by("name", "title", "id"), getattr(request, "user", None))


class CompetitorFilterSet(HumanFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    channel = django_filters.ModelChoiceFilter(queryset=user_channels, label="Channel", empty_label="Any channel")
    # Text in the API (any value, an unknown one finds nothing); the page offers the marketplaces by name.
    marketplace = django_filters.CharFilter(
        label="Marketplace",
        widget=forms.Select(choices=CallableChoiceIterator(lambda: [("", "Any marketplace"), *marketplace_choices()])),
    )
    is_active = django_filters.BooleanFilter(label="Active", widget=AnyYesNo)
    tracking_priority = django_filters.ChoiceFilter(
        choices=TrackingPriority.choices, label="Priority", empty_label="Any priority"
    )

    class Meta:
        model = Competitor
        fields = ["q", "channel", "marketplace", "is_active", "tracking_priority"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(item_id__icontains=value) | Q(name__icontains=value) | Q(title__icontains=value)
            | Q(seller_id__icontains=value)
        )  # fmt: skip


class CompetitorObservationFilterSet(HumanFilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="gte", label="Observed from")
    until = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="lt", label="Observed before")

    class Meta:
        model = CompetitorObservation
        fields = ["competitor", "has_offer"]


class AlertFilterSet(HumanFilterSet):
    competitor = django_filters.ModelChoiceFilter(
        queryset=user_competitors, label="Competitor", empty_label="Any competitor"
    )
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices, label="Status")
    alert_type = django_filters.MultipleChoiceFilter(choices=AlertType.choices, label="Type")
    severity = django_filters.MultipleChoiceFilter(choices=AlertSeverity.choices, label="Severity")

    class Meta:
        model = Alert
        fields = ["competitor", "status", "alert_type", "severity"]
