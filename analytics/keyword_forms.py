"""Forms of the keywords tab; every save goes through analytics.services.keywords."""

from django import forms

from .models import KeywordSource

KEYWORD_ACTIONS = ("primary", "unprimary", "track", "untrack", "delete")


class KeywordAddForm(forms.Form):
    keyword = forms.CharField(max_length=255, help_text="Case and spacing do not matter: 'Kettle' is 'kettle'.")
    source = forms.ChoiceField(choices=KeywordSource.choices, initial=KeywordSource.MANUAL, widget=forms.HiddenInput)
    is_primary = forms.BooleanField(required=False, label="Primary")
    search_volume = forms.IntegerField(required=False, min_value=0, help_text="Searches per period, if you know it.")


class KeywordActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in KEYWORD_ACTIONS])


class KeywordRanksImportForm(forms.Form):
    file = forms.FileField(
        label="Rank tracker file",
        help_text="CSV or XLSX with 'Keyword' and 'Organic Rank' and/or 'Sponsored Position' columns (a Helium 10 "
        "Keyword Tracker export works); 'Search Volume' and 'ASIN' are read when present.",
    )
