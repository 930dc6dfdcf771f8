"""StaffWriteMixin has no default area: a startup check names every routed view that forgets one."""

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.views import View

from accounts.checks import staff_write_views_name_an_area
from accounts.mixins import StaffWriteMixin


class NoAreaView(StaffWriteMixin, View):
    def post(self, request):
        return HttpResponse("changed")


class CatalogView(StaffWriteMixin, View):
    required_area = "catalog"

    def post(self, request):
        return HttpResponse("changed")


urlpatterns = [path("no-area/", NoAreaView.as_view()), path("catalog/", CatalogView.as_view())]


def test_the_project_urls_pass_the_check():
    assert staff_write_views_name_an_area() == []


def test_a_routed_view_without_required_area_fails_the_registered_check(settings):
    settings.ROOT_URLCONF = __name__

    errors = [e for e in checks.run_checks(tags=[checks.Tags.urls]) if e.id == "accounts.E001"]

    assert [e.obj for e in errors] == [NoAreaView]
    assert "NoAreaView uses StaffWriteMixin with required_area None" in errors[0].msg


@pytest.mark.django_db
def test_a_view_without_required_area_refuses_instead_of_falling_back(viewer_user):
    request = RequestFactory().post("/no-area/")
    request.user = viewer_user
    with pytest.raises(ImproperlyConfigured):
        NoAreaView.as_view()(request)
