"""Class-based view mixins that check roles and answer 403 with a page instead of a traceback: a page that
says what is missing, or, for an account without any role, who can grant one."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse

from accounts.roles import ADMIN, AREAS, ROLE_LABELS, ROLES, can_edit, can_view
from accounts.selectors import role_granter_list

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class RoleRequiredMixin(LoginRequiredMixin):
    """Login required; then viewer+ to read, or the edit right of `required_area` to write.

    `write = True` demands the edit right even for GET (form pages); unsafe methods always demand it when
    `required_area` is set. With `required_area = None` the view only needs a role.
    """

    required_area: str | None = None
    write: bool = False

    def has_role_permission(self, request: HttpRequest) -> bool:
        user = request.user
        needs_edit = self.required_area is not None and (self.write or request.method not in SAFE_METHODS)
        if needs_edit:
            return can_edit(user, self.required_area)  # type: ignore[arg-type]
        return can_view(user)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_role_permission(request):
            if not can_view(request.user):
                return no_role_response(request)
            return forbidden_response(request, area=self.required_area)
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:  # e.g. a service refusing a channel the user is not allowed to use
            return forbidden_response(request, area=self.required_area, message=str(exc))


class StaffReadMixin(RoleRequiredMixin):
    """Any role (viewer and up) reads the staff pages; anonymous visitors go to the login page."""


class StaffWriteMixin(RoleRequiredMixin):
    """Pages and actions that change `required_area` need its edit right, even for GET (form pages): 403 page
    otherwise, and the login page for anonymous visitors.

    Every view using it names its area (one of `accounts.roles.AREAS`); there is no default. The system check
    `accounts.checks.staff_write_views_name_an_area` fails at startup for a routed view without one, and a
    request to such a view is refused rather than let through on the viewer right.
    """

    write = True

    def has_role_permission(self, request: HttpRequest) -> bool:
        if self.required_area not in AREAS:
            raise ImproperlyConfigured(f"{type(self).__name__} uses StaffWriteMixin without a valid required_area")
        return super().has_role_permission(request)


def forbidden_response(request: HttpRequest, *, area: str | None = None, message: str = "") -> HttpResponse:
    """A 403 page that says what is missing (rendered through the normal layout, never a traceback)."""
    context = {"area": area, "message": message or "Your role does not allow this page or action."}
    response = TemplateResponse(request, "accounts/forbidden.html", context, status=403)
    response.render()
    return response


def no_role_response(request: HttpRequest) -> HttpResponse:
    """The 403 page of a logged-in account that holds no role yet: it names the administrators who grant roles
    (every page would refuse it, the dashboard included, so it gets no link to one)."""
    context = {
        "granters": role_granter_list(),
        "roles": [ROLE_LABELS[role] for role in ROLES],
        "admin_role": ROLE_LABELS[ADMIN],
    }
    response = TemplateResponse(request, "accounts/no_role.html", context, status=403)
    response.render()
    return response
