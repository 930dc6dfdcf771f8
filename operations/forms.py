"""Forms of the operations pages (also validate the API's query parameters where no FilterSet fits)."""

from django import forms

from operations.choices import JobStatus
from operations.job_sources import SOURCES, job_type_choices


class JobFilterForm(forms.Form):
    """Filters of the Jobs page and GET /api/v1/jobs/ (the jobs of three tables, so a form, not a FilterSet)."""

    source = forms.ChoiceField(
        required=False, choices=[("", "All"), *[(p, p) for p in SOURCES]], help_text="job, sync or import"
    )
    type = forms.ChoiceField(required=False, choices=[("", "All"), *job_type_choices()])
    status = forms.MultipleChoiceField(required=False, choices=JobStatus.choices)
    active = forms.NullBooleanField(required=False, widget=forms.CheckboxInput, label="Queued or running only")
    created_after = forms.DateTimeField(required=False, label="From")
    created_before = forms.DateTimeField(required=False, label="Until")


class MaintenanceForm(forms.Form):
    vacuum = forms.BooleanField(required=False, initial=True)
    analyze = forms.BooleanField(required=False, initial=True)
