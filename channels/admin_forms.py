"""Channel forms. Credentials are typed in, never shown back: the field is always rendered empty."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from syncing.connectors import CONNECTORS

from .models import Channel
from .services import CHANNEL_EDITABLE_FIELDS, credentials_clean


def parse_credentials(text: str) -> dict[str, str]:
    """'name=value' lines (blank lines and # comments ignored) -> dict; a malformed line is refused by number."""
    values: dict[str, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"Line {number} is not in the form name=value.", code="credentials_format")
        values[name.strip()] = value.strip()
    return values


def credential_help() -> str:
    lines = [
        f"{cls.label}: {', '.join(cls.credential_fields)}"
        + (f" (optional: {', '.join(cls.optional_credential_fields)})" if cls.optional_credential_fields else "")
        for cls in CONNECTORS.values()
    ]
    return (
        "One name=value per line. Stored encrypted and never shown again; leave empty to keep the stored values, "
        "or enter only the values to change. Needed per marketplace: " + "; ".join(lines) + "."
    )


class SecretTextarea(forms.Textarea):
    """A textarea that never renders a value, not even the one just submitted (like PasswordInput)."""

    def format_value(self, value: Any) -> None:
        return None


class ChannelForm(forms.ModelForm):
    """Channel settings plus write-only credentials, merged over (or replacing) the stored ones."""

    base_url = forms.URLField(label="API base URL", max_length=500, assume_scheme="https")
    credentials = forms.CharField(
        required=False,
        strip=False,
        widget=SecretTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    replace_credentials = forms.BooleanField(
        required=False, help_text="Drop every stored value not entered above (instead of keeping it)."
    )

    class Meta:
        model = Channel
        # the fields the services accept, plus the allowed categories; the admin lays them out in fieldsets
        fields = (*CHANNEL_EDITABLE_FIELDS, "allowed_categories")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credentials"].help_text = credential_help()
        self.fields["credentials"].initial = ""  # never pre-filled, whatever the instance holds
        self.credential_values: dict[str, str] = {}

    def clean_credentials(self) -> dict[str, str]:
        values = parse_credentials(self.cleaned_data.get("credentials") or "")
        marketplace = self.data.get(self.add_prefix("marketplace")) or self.instance.marketplace
        if values and marketplace in CONNECTORS:
            try:
                credentials_clean(marketplace, values)  # refuses names the marketplace does not use
            except ValidationError as exc:
                raise ValidationError(exc.message_dict.get("credentials", exc.messages)) from None
        self.credential_values = values
        return values

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        # Give the model the merged credentials so Channel.clean can say which required ones are missing.
        stored = {} if cleaned.get("replace_credentials") or not self.instance.pk else self.instance.get_credentials()
        merged = stored | {k: v for k, v in self.credential_values.items() if v}
        self.instance.set_credentials(merged)
        return cleaned
