"""The category picker on the channel form (several categories) and in the category mapping editor (its "Show"
choice: one branch of the tree); docs/pages.md#category-picker."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels.models import CategoryMapping
from tests.catalog.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_the_channel_form_offers_allowed_categories_as_full_paths_in_the_picker(
    channel_manager_client, channel, category_tree
):
    html = channel_manager_client.get(reverse("channels:channel_update", args=[channel.pk])).content.decode()
    select = re.search(r'<select name="allowed_categories"([^>]*)>(.*?)</select>', html, re.S)
    assert select is not None
    assert "data-category-picker" in select.group(1)
    assert "multiple" in select.group(1)
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(2))
    assert labels == [
        "Fashion",
        "Fashion &gt; Women",
        "Fashion &gt; Women &gt; Dresses",
        "Toys",
        "Toys &gt; Dresses for dolls",
    ]


def test_the_mapping_editor_shows_one_branch_and_saves_only_it(channel_manager_client, channel, category_tree):
    women, toys = category_tree["women"], category_tree["toys"]
    CategoryMapping.objects.create(channel=channel, category=toys, external_category_id="toy-1")
    url = reverse("channels:channel_detail", args=[channel.pk])
    response = channel_manager_client.get(url, {"branch": women.pk})
    assert [row["category"].name for row in response.context["mappings"]] == ["Women", "Dresses"]
    html = response.content.decode()
    assert re.search(r'<select name="branch" [^>]*data-category-picker', html)
    assert f'<option value="{women.pk}" selected data-depth="1" data-name="Women">Fashion &gt; Women</option>' in html
    assert f'name="ext_{toys.pk}"' not in html
    # the save keeps the branch shown and leaves the rows it did not show alone
    save = reverse("channels:mapping_save", args=[channel.pk])
    response = channel_manager_client.post(
        save, {"branch": women.pk, f"ext_{women.pk}": "w-7", f"extname_{women.pk}": "Womenswear"}
    )
    assert response.url == f"{url}?branch={women.pk}#mappings"
    assert CategoryMapping.objects.get(channel=channel, category=women).external_category_id == "w-7"
    assert CategoryMapping.objects.get(channel=channel, category=toys).external_category_id == "toy-1"


@pytest.mark.parametrize("branch", ["999999", "abc"])
def test_an_unknown_branch_says_so_and_shows_every_category(channel_manager_client, channel, category_tree, branch):
    response = channel_manager_client.get(reverse("channels:channel_detail", args=[channel.pk]), {"branch": branch})
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["That category no longer exists; showing every category."]
    assert len(response.context["mappings"]) == 5


def test_a_save_naming_an_unknown_branch_still_saves_what_was_sent(channel_manager_client, channel, category_tree):
    toys = category_tree["toys"]
    save = reverse("channels:mapping_save", args=[channel.pk])
    response = channel_manager_client.post(save, {"branch": "999999", f"ext_{toys.pk}": "toy-2"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "That category no longer exists; showing every category." in messages
    assert CategoryMapping.objects.get(channel=channel, category=toys).external_category_id == "toy-2"


def test_the_mapping_editors_query_count_does_not_grow_with_the_tree(viewer_client, channel, category_tree):
    url = reverse("channels:channel_detail", args=[channel.pk])
    viewer_client.get(url)
    with CaptureQueriesContext(connection) as small:
        viewer_client.get(url, {"branch": category_tree["fashion"].pk})
    for n in range(10):
        CategoryFactory(name=f"Extra {n}", parent=category_tree["women"])
    with CaptureQueriesContext(connection) as large:
        response = viewer_client.get(url, {"branch": category_tree["fashion"].pk})
    assert len(response.context["mappings"]) == 13
    assert len(large) == len(small)
