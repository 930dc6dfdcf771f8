"""Forms of the automation rule pages (docs/automation.md): the rule editor, whose three JSON settings are
textareas holding JSON, and the dry run's optional listing selection.

The editor only parses what was typed; the rule's own validation (AutomationRule.clean, workflow/rule_config.py)
runs in the services, and the views put its messages next to the fields they name.
"""

import json
from typing import Any

from django import forms

from .forms import ListingIdsField
from .models import AutomationRule
from .rule_services import RULE_FIELDS

FIELD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Rule", ("name", "description")),
    ("When", ("trigger_type", "trigger_config", "conditions")),
    ("Then", ("action_type", "action_config")),
    ("Guards", ("cooldown_minutes", "max_daily_triggers", "pending_minutes", "max_consecutive_errors", "dry_run",
                "is_active")),
)  # fmt: skip
JSON_MAX_LENGTH = 20_000  # characters of one JSON setting; a rule's settings are a few lines


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed; give a plain number")


class JsonTextField(forms.CharField):
    """JSON typed into a textarea; cleans to the parsed value ("" cleans to `empty`, a fresh copy each time).

    The message of unparseable text names the field and says where parsing stopped.
    """

    widget = forms.Textarea

    def __init__(self, *, empty: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", lambda: json.loads(json.dumps(empty)))  # a new rule starts from the empty value
        kwargs.setdefault("max_length", JSON_MAX_LENGTH)
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)
        self.empty = empty
        self.widget.attrs.update({"rows": 4, "spellcheck": "false", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str):  # what was typed (a bound form) is shown as typed
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return json.loads(json.dumps(self.empty))
        try:
            parsed = json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise forms.ValidationError(
                "%(label)s is not valid JSON: %(reason)s.", code="invalid_json",
                params={"label": self.label or "The value", "reason": reason},
            ) from exc  # fmt: skip
        if parsed is None:  # the column holds an object or a list, never null
            kind = "list" if isinstance(self.empty, list) else "object"
            raise forms.ValidationError(
                "%(label)s cannot be null: give a JSON %(kind)s.", code="null",
                params={"label": self.label or "The value", "kind": kind},
            )  # fmt: skip
        return parsed

    def validate(self, value: Any) -> None:
        """Whether something was typed is checked on the text (clean); the rule's validation judges the value."""

    def run_validators(self, value: Any) -> None:
        """The length validators apply to the typed text (checked in clean), not to the parsed value."""

    def clean(self, value: Any) -> Any:
        text = "" if value is None else str(value)
        if len(text) > JSON_MAX_LENGTH:
            raise forms.ValidationError(
                "%(label)s is too long: at most %(limit)d characters.", code="max_length",
                params={"label": self.label or "The value", "limit": JSON_MAX_LENGTH},
            )  # fmt: skip
        if "\x00" in text:
            raise forms.ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
        if self.required and not text.strip():
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return super().clean(value)


class AutomationRuleForm(forms.ModelForm):
    """The rule's settings (RULE_FIELDS). Cleaning checks only the form's own types; the services validate the
    rule as a whole and save it."""

    trigger_config = JsonTextField(
        label="Trigger config", empty={},
        help_text='A JSON object, e.g. {"metric": "score", "operator": "lt", "value": 70}.',
    )  # fmt: skip
    conditions = JsonTextField(
        label="Conditions", empty=[], required=False,
        help_text='A JSON list, all must hold, e.g. [{"field": "channel.marketplace", "operator": "eq", "value": '
        '"amazon"}]; empty: every listing.',
    )  # fmt: skip
    action_config = JsonTextField(
        label="Action config", empty={}, required=False,
        help_text='A JSON object, e.g. {"tag": "low-score"} for tag_listing; may stay empty for pause_listing.',
    )  # fmt: skip

    class Meta:
        model = AutomationRule
        fields = list(RULE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self) -> None:
        """No model validation here (and the instance stays as loaded): the services run it when saving."""

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in FIELD_GROUPS]

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in RULE_FIELDS}


class DryRunForm(forms.Form):
    listings = ListingIdsField(
        required=False, label="Only these listings",
        help_text="Listing ids separated by commas; empty: every listing you can see.",
    )  # fmt: skip
