"""Form of the stages page (docs/workflow.md#stages-page): one stage's settings (STAGE_FIELDS).

The form only checks what was typed (a number is a number); the stage's own validation (colour, WIP limit of 0
or more, unique name) runs in the services, and the views put its messages next to the fields they name.
"""

import re
from typing import Any

from django import forms

from .models import Stage
from .services import STAGE_FIELDS

HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class ColorInput(forms.TextInput):
    """The browser's colour picker; it always sends #rrggbb, the services check what else may arrive."""

    input_type = "color"


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = list(STAGE_FIELDS)
        labels = {"color": "Colour", "is_default": "Default stage", "is_terminal": "Terminal stage",
                  "wip_limit": "WIP limit"}  # fmt: skip
        help_texts = {"color": "The column's swatch on the board (#RRGGBB)."}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "color": ColorInput(),
            "wip_limit": forms.NumberInput(attrs={"min": 0}),
        }

    def _post_clean(self) -> None:
        """No model validation here (and the instance stays as loaded): the services run it when saving."""

    def clean_color(self) -> str:
        """Stored in upper case like the seeded stages (the picker sends lower case); anything else is left for
        the services to refuse."""
        color: str = self.cleaned_data["color"]
        return color.upper() if HEX_COLOR.fullmatch(color) else color

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in STAGE_FIELDS}
