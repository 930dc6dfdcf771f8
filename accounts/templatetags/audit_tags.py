"""`{% load audit_tags %}{% audit_history object %}` shows an object's change history on its page."""

from typing import Any

from django import template

from accounts.roles import can_view
from accounts.selectors import audit_for

register = template.Library()


@register.inclusion_tag("accounts/_audit_history.html", takes_context=True)
def audit_history(context: dict[str, Any], obj: Any, limit: int = 50) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"entries": audit_for(obj, limit=limit) if can_view(user) else []}
