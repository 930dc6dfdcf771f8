"""Small template helpers shared by the staff pages: query-string editing, sort links, status badges."""

from django import template
from django.http import HttpRequest
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag
def query_with(request: HttpRequest, **changes: object) -> str:
    """The current query string with `changes` applied (None removes a key), for pagination and filter links."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


@register.simple_tag
def sort_query(request: HttpRequest, key: str) -> str:
    """Query string that sorts by `key`, flipping the direction when the list is already sorted by it."""
    params = request.GET.copy()
    current = params.get("sort", "")
    params["sort"] = f"-{key}" if current == key else key
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag
def url_params(**params: object) -> str:
    """A query string from keyword arguments, skipping empty values."""
    return urlencode({k: str(v) for k, v in params.items() if v not in (None, "")})


@register.filter
def get_item(mapping: object, key: object) -> object:
    """`mapping[key]` in a template, or None."""
    try:
        return mapping[key]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None
