"""The keywords' FilterSet, shared by the keywords tab and `/api/v1/keywords/`."""

import django_filters

from common.filters import AnyYesNo

from .models import Keyword, KeywordSource


class KeywordFilterSet(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=KeywordSource.choices)
    is_tracked = django_filters.BooleanFilter(widget=AnyYesNo)
    is_primary = django_filters.BooleanFilter(widget=AnyYesNo)

    class Meta:
        model = Keyword
        fields = ["listing", "source", "is_tracked", "is_primary"]
