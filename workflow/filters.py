"""The task FilterSet shared by the list page, the board and the API (docs/workflow.md#tasks)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from common.filters import AnyYesNo
from listings.filters import ListingScopedFilterSet, ListingScopeForm

from .choices import TaskType
from .models import Stage, Task


class TaskFilterSet(ListingScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    stage = django_filters.ModelChoiceFilter(queryset=Stage.objects.all(), label="Stage", empty_label="Any stage")
    task_type = django_filters.ChoiceFilter(choices=TaskType.choices, label="Type", empty_label="Any type")
    assignee = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label="Assignee",
        empty_label="Anyone",
    )
    # From the listing page's "all" link; the page names the listing (templates/includes/listing_scope.html).
    listing = django_filters.NumberFilter(method="for_listing", label="Listing", widget=forms.HiddenInput)
    mine = django_filters.BooleanFilter(method="assigned_to_me", label="My tasks", widget=AnyYesNo)
    is_open = django_filters.BooleanFilter(method="open_only", label="Open", widget=AnyYesNo)

    class Meta:
        model = Task
        fields = ["q", "stage", "task_type", "assignee", "listing", "mine", "is_open"]
        form = ListingScopeForm

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def for_listing(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        """The main listing or one of the linked listings."""
        linked = Task.listings.through.objects.filter(listing_id=value).values("task_id")
        return queryset.filter(Q(listing_id=value) | Q(pk__in=linked))

    def assigned_to_me(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        user = getattr(self.request, "user", None)
        if value is None or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(assignee=user) if value else queryset.exclude(assignee=user)

    def open_only(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(stage__is_terminal=not value)
