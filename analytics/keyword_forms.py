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
