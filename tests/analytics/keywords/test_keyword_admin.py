"""The keywords in Django Admin: the list renders; adding goes through the service (a case duplicate is the
existing row); a keyword of only punctuation is a form error."""

import pytest
from django.urls import reverse

from analytics.models import Keyword
from analytics.services import keywords as services

pytestmark = pytest.mark.django_db


def test_changelist_and_add_through_the_service(staff_client, kettle):
    services.keyword_add(listing=kettle, keyword="Kettle")
    assert staff_client.get(reverse("admin:analytics_keyword_changelist")).status_code == 200
    data = {"listing": kettle.pk, "keyword": "KETTLE", "source": "manual", "is_tracked": "on", "is_primary": "on"}
    response = staff_client.post(reverse("admin:analytics_keyword_add"), data)
    assert response.status_code == 302
    row = Keyword.objects.get()
    assert (row.keyword, row.is_primary) == ("Kettle", True)


def test_only_punctuation_is_a_form_error(staff_client, kettle):
    data = {"listing": kettle.pk, "keyword": "!!!", "source": "manual", "is_tracked": "on"}
    response = staff_client.post(reverse("admin:analytics_keyword_add"), data)
    assert response.status_code == 200
    assert "at least one letter or digit" in response.content.decode()
    assert not Keyword.objects.exists()
