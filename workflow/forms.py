"""Forms of the task pages: the task editor, the no-JavaScript move form, completion and the quick add box."""

from django import forms
from django.contrib.auth import get_user_model

from listings.models import Listing

from .choices import TaskType
from .models import Stage, Task


class TagsField(forms.CharField):
    """Tags typed as "a, b, c"; stored as a list."""

    def prepare_value(self, value):  # type: ignore[no-untyped-def]
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):  # type: ignore[no-untyped-def]
        text = super().to_python(value) or ""
        return [tag.strip() for tag in text.split(",") if tag.strip()]


class ListingIdsField(forms.CharField):
    """Listing ids typed as "12, 15" (a select of every listing would not scale); cleans to the listings."""

    def prepare_value(self, value):  # type: ignore[no-untyped-def]
        if isinstance(value, list | tuple):
            return ", ".join(str(getattr(item, "pk", item)) for item in value)
        return value

    def clean(self, value):  # type: ignore[no-untyped-def]
        text = super().clean(value) or ""
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isdigit() and 0 < int(part) < 2**63 for part in parts):
            raise forms.ValidationError("Give listing ids (whole numbers) separated by commas.")
        ids = list(dict.fromkeys(int(part) for part in parts))
        found = {row.pk: row for row in Listing.objects.filter(pk__in=ids)}
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise forms.ValidationError(f"Unknown listing id(s): {', '.join(missing)}.")
        return [found[pk] for pk in ids]


class TaskForm(forms.ModelForm):
    field_order = ["title", "description", "task_type", "stage", "assignee", "listing", "listings"]
    stage = forms.ModelChoiceField(Stage.objects.order_by("sort_order", "id"), required=False, empty_label="Default")
    tags = TagsField(required=False, help_text="Separated by commas.")
    listings = ListingIdsField(required=False, help_text="Listing ids separated by commas.")

    class Meta:
        model = Task
        # stage and listings are form-only: the services place the task and link the listings.
        fields = [
            "title", "description", "task_type", "assignee", "listing", "impact_score", "ease_score",
            "urgency_score", "due_date", "scheduled_for", "outcome", "tags",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "scheduled_for": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "listing": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["assignee"].queryset = users  # type: ignore[attr-defined]
        self.fields["listing"].label = "Main listing id"


class TaskMoveForm(forms.Form):
    stage = forms.ModelChoiceField(Stage.objects.order_by("sort_order", "id"), empty_label=None)
    position = forms.IntegerField(min_value=0, required=False, help_text="0 is the top; empty: the bottom.")


class TaskCompleteForm(forms.Form):
    outcome = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuickTaskForm(forms.Form):
    """The listing page's "Tasks" box: a title and a type."""

    title = forms.CharField(max_length=255)
    task_type = forms.ChoiceField(choices=TaskType.choices, initial=TaskType.OPTIMIZATION, label="Type")
