"""FilterSets of the competitors app, shared by the pages and the API."""

import django_filters
from django.db.models import Q, QuerySet

from .choices import AlertSeverity, AlertStatus, AlertType
from .models import Alert, Competitor, CompetitorObservation


class CompetitorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Competitor
        fields = ["channel", "marketplace", "is_active", "tracking_priority"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(item_id__icontains=value) | Q(name__icontains=value) | Q(title__icontains=value)
            | Q(seller_id__icontains=value)
        )  # fmt: skip


class CompetitorObservationFilterSet(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="lt")

    class Meta:
        model = CompetitorObservation
        fields = ["competitor", "has_offer"]


class AlertFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    alert_type = django_filters.MultipleChoiceFilter(choices=AlertType.choices)
    severity = django_filters.MultipleChoiceFilter(choices=AlertSeverity.choices)

    class Meta:
        model = Alert
        fields = ["competitor", "status", "alert_type", "severity"]
