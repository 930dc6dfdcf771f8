from django import forms

from accounts.choices import ActorKind, AuditAction


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'stock script'.")
    days = forms.IntegerField(min_value=1, max_value=3650, required=False, help_text="Lifetime in days.")


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", help_text="Object, actor or id")
    model = forms.CharField(required=False, label="Model", help_text="e.g. product, variant, listing")
    action = forms.ChoiceField(required=False, choices=[("", "any action"), *AuditAction.choices])
    actor_kind = forms.ChoiceField(required=False, choices=[("", "any actor"), *ActorKind.choices])
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
