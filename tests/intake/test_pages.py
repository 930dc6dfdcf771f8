"""Intake pages: upload form for phones, list with counts, item with status JSON, photos only to allowed users."""

import pytest
from django.test import Client
from django.urls import reverse

from intake.choices import IntakeStatus
from intake.models import IntakeItem
from intake.services import intake_item_create
from tests.intake.photos import label_photo, plain_photo, upload

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_upload_page_takes_photos_from_a_phone_camera_and_has_no_inline_script(intake_user):
    html = _client(intake_user).get(reverse("intake:item_upload")).content.decode()
    assert 'accept="image/*" capture="environment" multiple' in html
    assert '<script src="/static/js/intake.js"></script>' in html
    assert "<script>" not in html
    assert "onclick" not in html


def test_upload_through_the_page_then_item_page_and_status(intake_user):
    client = _client(intake_user)
    response = client.post(
        reverse("intake:item_upload"),
        {"photos": [upload(label_photo(barcode="4006381333931"))], "hint_name": "Kettle", "hint_condition": "new"},
    )
    item = IntakeItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:item_detail", args=[item.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="intake-live"' in page
    assert "Kettle" in page
    status = client.get(reverse("intake:item_status", args=[item.pk])).json()
    assert status["status"] == IntakeStatus.PROCESSING
    assert status["phases"] == {"photo_check": "pending"}


def test_a_bad_upload_shows_each_message_and_keeps_the_hints(intake_user):
    response = _client(intake_user).post(
        reverse("intake:item_upload"),
        {"photos": [upload(b"not a picture", "a.jpg")], "hint_name": "Kettle"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Photo 1 (a.jpg): The file is not an image" in html
    assert 'value="Kettle"' in html
    assert IntakeItem.objects.count() == 0


def test_list_counts_and_visibility(intake_user, other_intake_user, supervisor):
    mine = intake_item_create(owner=intake_user, photos=[upload(plain_photo(seed=1))], hint_name="Mine")
    intake_item_create(owner=other_intake_user, photos=[upload(plain_photo(seed=2))], hint_name="Theirs")
    html = _client(intake_user).get(reverse("intake:item_list")).content.decode()
    assert "Mine" in html
    assert "Theirs" not in html
    assert _client(intake_user).get(reverse("intake:list_status")).json()["counts"]["total"] == 1
    boss = _client(supervisor).get(reverse("intake:item_list")).content.decode()
    assert "Mine" in boss
    assert "Theirs" in boss
    assert _client(other_intake_user).get(reverse("intake:item_detail", args=[mine.pk])).status_code == 404


def test_photos_and_crops_are_served_only_to_allowed_users(intake_user, other_intake_user, supervisor, viewer_user):
    item = intake_item_create(owner=intake_user, photos=[upload(label_photo(barcode="4006381333931"))])
    photo = item.photos.get()
    url = reverse("intake:photo", args=[item.pk, photo.pk])
    own = _client(intake_user).get(url)
    assert own.status_code == 200
    assert own["Content-Type"] == "image/png"
    assert own.content.startswith(b"\x89PNG")
    assert _client(intake_user).get(url, {"box": "10,10,50,20"})["Content-Type"] == "image/png"
    assert _client(supervisor).get(url).status_code == 200
    assert _client(other_intake_user).get(url).status_code == 404
    assert _client(viewer_user).get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_stop_and_retry_buttons_post_to_the_services(intake_user):
    item = intake_item_create(owner=intake_user, photos=[upload(plain_photo())])
    client = _client(intake_user)
    client.post(reverse("intake:item_stop", args=[item.pk]))
    assert IntakeItem.objects.get(pk=item.pk).status == IntakeStatus.STOPPED
    response = client.post(reverse("intake:item_stop", args=[item.pk]), follow=True)
    assert "there is nothing to stop" in response.content.decode()
    client.post(reverse("intake:item_retry", args=[item.pk]), {"phase": "photo_check"})
    assert IntakeItem.objects.get(pk=item.pk).status == IntakeStatus.PROCESSING


def test_list_page_queries_do_not_grow_with_items(intake_user, django_assert_max_num_queries):
    for n in range(6):
        intake_item_create(owner=intake_user, photos=[upload(plain_photo(seed=n))], hint_name=f"Item {n}")
    client = _client(intake_user)
    with django_assert_max_num_queries(14):
        html = client.get(reverse("intake:item_list")).content.decode()
    assert html.count('data-item="') == 6
