"""The attribute value mapping editor of a channel: channel managers change, delete and add rows through the
channels services; viewers and editors read; to users limited to other channels the page does not exist."""

from unittest import mock

import pytest
from django.urls import reverse

from accounts.services import user_channels_restrict
from channels.models import AttributeValueMapping
from channels.services import attribute_value_mapping_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def mappings(channel):
    return {
        "xl": attribute_value_mapping_set(
            channel=channel, attribute_code="size", our_value="X-Large", marketplace_value="XL"
        ),
        "red": attribute_value_mapping_set(
            channel=channel, attribute_code="color", our_value="Red", marketplace_value="RD"
        ),
    }


def _rows(channel):
    return sorted(
        AttributeValueMapping.objects.filter(channel=channel).values_list(
            "attribute_code", "our_value", "marketplace_value"
        )
    )


def _page(channel):
    return reverse("channels:attribute_mapping_list", kwargs={"pk": channel.pk})


def _save(channel):
    return reverse("channels:attribute_mapping_save", kwargs={"pk": channel.pk})


def test_viewer_reads_the_mappings_without_inputs(viewer_client, channel, mappings):
    body = viewer_client.get(_page(channel)).content.decode()
    assert "X-Large" in body
    assert "XL" in body
    assert "Red" in body
    assert 'name="mv_' not in body
    assert _save(channel) not in body


def test_channel_detail_links_the_editor(viewer_client, channel, mappings):
    body = viewer_client.get(reverse("channels:channel_detail", kwargs={"pk": channel.pk})).content.decode()
    assert _page(channel) in body
    assert "2 values mapped" in body


def test_channel_manager_sees_the_editor(channel_manager_client, channel, mappings):
    body = channel_manager_client.get(_page(channel)).content.decode()
    assert f'name="mv_{mappings["xl"].pk}" value="XL"' in body
    assert f'name="del_{mappings["red"].pk}"' in body
    assert 'name="new_code_0"' in body
    assert _save(channel) in body


def test_channel_manager_changes_deletes_and_adds_in_one_save(channel_manager_client, channel, mappings):
    # when
    response = channel_manager_client.post(
        _save(channel),
        {
            f"mv_{mappings['xl'].pk}": " XLarge ",
            f"mv_{mappings['red'].pk}": "RD",
            f"del_{mappings['red'].pk}": "1",
            "new_code_0": "Size",
            "new_ours_0": "Small",
            "new_theirs_0": "S",
            "new_code_1": "",
            "new_ours_1": "",
            "new_theirs_1": "",
            "next": "?attribute=size&evil=https://x.example",
        },
        follow=True,
    )
    # then
    assert _rows(channel) == [("size", "Small", "S"), ("size", "X-Large", "XLarge")]
    assert response.redirect_chain[-1][0] == _page(channel) + "?attribute=size"
    assert "Saved 3 attribute value mapping change(s)." in response.content.decode()


def test_refused_rows_are_named_and_the_others_saved(channel_manager_client, channel, mappings):
    response = channel_manager_client.post(
        _save(channel),
        {
            f"mv_{mappings['xl'].pk}": "",  # a value cannot be emptied: tick Delete instead
            "new_code_0": "size",
            "new_ours_0": "",
            "new_theirs_0": "M",
            "new_code_1": "material",
            "new_ours_1": "Cotton",
            "new_theirs_1": "COTTON",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "size &#x27;X-Large&#x27;: Enter the marketplace&#x27;s value, or tick Delete to remove the mapping." in body
    assert (
        "New row 1 (size &#x27;&#x27;): Enter the attribute code, our value and the marketplace&#x27;s value." in body
    )
    assert _rows(channel) == [("color", "Red", "RD"), ("material", "Cotton", "COTTON"), ("size", "X-Large", "XL")]


def test_unchanged_form_changes_nothing(channel_manager_client, channel, mappings):
    with mock.patch("channels.services.attribute_value_mapping_set") as set_mapping:
        response = channel_manager_client.post(
            _save(channel), {f"mv_{mappings['xl'].pk}": "XL", f"mv_{mappings['red'].pk}": "RD"}, follow=True
        )
    set_mapping.assert_not_called()
    assert "No mapping changed." in response.content.decode()


def test_a_row_of_another_channel_is_ignored(channel_manager_client, channel, make_channel):
    other = make_channel("lazada")
    foreign = attribute_value_mapping_set(channel=other, attribute_code="size", our_value="M", marketplace_value="M")
    channel_manager_client.post(_save(channel), {f"mv_{foreign.pk}": "hijacked", f"del_{foreign.pk}": "1"})
    assert _rows(other) == [("size", "M", "M")]


@pytest.mark.parametrize("client_name", ["editor_client", "viewer_client"])
def test_editor_and_viewer_may_not_save(request, client_name, channel, mappings):
    client = request.getfixturevalue(client_name)
    response = client.post(_save(channel), {f"mv_{mappings['xl'].pk}": "changed", "new_code_0": "a", "new_ours_0": "b"})
    assert response.status_code == 403
    assert _rows(channel) == [("color", "Red", "RD"), ("size", "X-Large", "XL")]
    assert 'name="mv_' not in client.get(_page(channel)).content.decode()


def test_a_user_limited_to_other_channels_does_not_see_it(
    channel_manager_client, channel_manager_user, channel, make_channel
):
    other = make_channel("lazada")
    user_channels_restrict(target=channel_manager_user, channel_ids=[other.pk])
    assert channel_manager_client.get(_page(channel)).status_code == 404
    response = channel_manager_client.post(_save(channel), {"new_code_0": "a", "new_ours_0": "b", "new_theirs_0": "c"})
    assert response.status_code == 404
    assert _rows(channel) == []
    assert channel_manager_client.get(_page(other)).status_code == 200


def test_filters_by_attribute_and_value(viewer_client, channel, mappings):
    by_code = viewer_client.get(_page(channel), {"attribute": "color"}).context["mappings"]
    by_value = viewer_client.get(_page(channel), {"q": "larg"}).context["mappings"]
    assert [m.our_value for m in by_code] == ["Red"]
    assert [m.our_value for m in by_value] == ["X-Large"]


def test_editor_page_query_count_is_constant(viewer_client, channel, django_assert_max_num_queries):
    for n in range(120):
        attribute_value_mapping_set(channel=channel, attribute_code="size", our_value=f"V{n}", marketplace_value="v")
    viewer_client.get(_page(channel))
    with django_assert_max_num_queries(10):
        response = viewer_client.get(_page(channel), {"page": 2})
    assert len(response.context["mappings"]) == 20
