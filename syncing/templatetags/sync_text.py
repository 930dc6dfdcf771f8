"""Template filters of the sync history pages."""

from typing import Any

from django import template

from syncing.event_text import event_sentence

register = template.Library()


@register.filter
def sentence(event: Any) -> str:
    """The event in plain words (syncing.event_text.event_sentence)."""
    return event_sentence(event)
