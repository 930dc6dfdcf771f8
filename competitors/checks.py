"""System check of the competitors settings: bad alert thresholds are refused at start, naming the setting."""

from typing import Any

from django.core.checks import Error

from .analysis import thresholds


def thresholds_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        thresholds()
    except ValueError as exc:
        return [Error(str(exc), id="competitors.E001")]
    return []
