"""FilterSets for orders and customers, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Q

from accounts.roles import user_channels
from common.filters import AnyYesNo, DateTimePicker, HumanFilterSet

from .choices import OrderStatus, Segment
from .models import Customer, Order


class OrderFilterSet(HumanFilterSet):
    q = django_filters.CharFilter(field_name="external_id", lookup_expr="icontains", label="Order id")
    channel = django_filters.ModelChoiceFilter(queryset=user_channels, label="Channel", empty_label="Any channel")
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label="Status", empty_label="Any status")
    placed_after = django_filters.IsoDateTimeFilter(
        field_name="placed_at", lookup_expr="gte", label="Placed from", widget=DateTimePicker
    )
    placed_before = django_filters.IsoDateTimeFilter(
        field_name="placed_at", lookup_expr="lt", label="Placed before", widget=DateTimePicker
    )
    sku = django_filters.CharFilter(method="filter_sku", label="SKU")
    customer = django_filters.NumberFilter(field_name="customer_id", label="Customer", widget=forms.HiddenInput)
    unlinked = django_filters.BooleanFilter(method="filter_unlinked", label="Has unlinked lines", widget=AnyYesNo)

    class Meta:
        model = Order
        fields = ["channel", "status", "customer"]

    def filter_sku(self, queryset, name, value):
        return queryset.filter(lines__sku__iexact=value.strip()).distinct()

    def filter_unlinked(self, queryset, name, value):
        matching = Q(lines__stock__isnull=True)
        return (queryset.filter(matching) if value else queryset.exclude(matching)).distinct()


class CustomerFilterSet(HumanFilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Name, email or buyer id")
    channel = django_filters.ModelChoiceFilter(queryset=user_channels, label="Channel", empty_label="Any channel")
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label="Segment", empty_label="Any segment")

    class Meta:
        model = Customer
        fields = ["channel", "segment"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(email__icontains=value) | Q(buyer_id__icontains=value))
