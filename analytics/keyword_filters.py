"""The keywords' FilterSet, shared by the keywords tab and `/api/v1/keywords/`."""

import django_filters

from common.filters import AnyYesNo, HumanFilterSet

from .models import Keyword, KeywordSource


class KeywordFilterSet(HumanFilterSet):
    source = django_filters.ChoiceFilter(choices=KeywordSource.choices, label="Source")
    is_tracked = django_filters.BooleanFilter(label="Tracked", widget=AnyYesNo)
    is_primary = django_filters.BooleanFilter(label="Primary", widget=AnyYesNo)

    class Meta:
        model = Keyword
        fields = ["listing", "source", "is_tracked", "is_primary"]
