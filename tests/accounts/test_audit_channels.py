"""Audit of the channels and listings apps (registered by app label, so models added there are covered too)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.audit import MASK, audit_actor, audited_models
from accounts.models import AuditEntry
from channels.models import AttributeValueMapping, CategoryMapping, Channel
from channels.services import (
    attribute_value_mapping_set,
    category_mapping_delete,
    category_mapping_set,
    channel_set_credentials,
    channel_update,
)
from listings.models import Listing
from listings.services import listing_sync_state_set, listing_update

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("id")
    )


def test_every_channels_and_listings_model_is_audited():
    labels = {m._meta.label for m in audited_models()}
    assert {
        "channels.Channel",
        "channels.CategoryMapping",
        "channels.AttributeValueMapping",
        "listings.Listing",
    } <= labels
    assert {"catalog.Product", "catalog.Variant", "catalog.ProductImage", "catalog.Category", "auth.User"} <= labels


def test_channel_changes_are_recorded_and_credentials_never_shown(make_channel, channel_manager_user):
    channel = make_channel("shopify", name="Shop A")
    secret_before = channel.credentials_encrypted
    with audit_actor("user", "chanman1", user=channel_manager_user):
        channel_update(channel=channel, name="Shop B", user=channel_manager_user)
        channel_set_credentials(channel=channel, credentials={"access_token": "shpat_new_secret_value_1234"})
    create, rename, creds = entries_for(channel)
    assert create.changes["credentials_encrypted"] == [None, MASK]
    assert rename.changes == {"name": ["Shop A", "Shop B"]}
    assert (rename.actor, rename.actor_kind) == (channel_manager_user, "user")
    assert creds.changes == {"credentials_encrypted": [MASK, MASK]}
    everything = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "shpat_new_secret_value_1234" not in everything
    assert secret_before not in everything


def test_breaker_counters_are_not_audited(make_channel):
    channel = make_channel("shopify")
    before = len(entries_for(channel))
    Channel.objects.get(pk=channel.pk).save()  # no change
    channel.consecutive_failures = 3
    channel.save()
    assert len(entries_for(channel)) == before


def test_channel_rules_and_mappings_are_recorded(make_channel, make_listable_product):
    channel = make_channel("shopify")
    product = make_listable_product()
    mapping = category_mapping_set(channel=channel, category=product.category, external_category_id="cat-9")
    attr = attribute_value_mapping_set(channel=channel, attribute_code="colour", our_value="Red", marketplace_value="R")
    channel_update(channel=channel, title_max_length=120)
    mapping_pk = mapping.pk
    category_mapping_delete(mapping=mapping)
    mapping.pk = mapping_pk  # Django clears pk after a delete
    assert [e.action for e in entries_for(mapping)] == ["create", "delete"]
    assert entries_for(mapping)[0].changes["external_category_id"] == [None, "cat-9"]
    assert [e.action for e in entries_for(attr)] == ["create"]
    assert entries_for(channel)[-1].changes["title_max_length"][1] == 120
    assert CategoryMapping.objects.count() == 0
    assert AttributeValueMapping.objects.count() == 1


def test_listing_changes_by_a_sync_are_attributed_to_the_sync(make_listing, editor_user):
    listing = make_listing()
    listing_update(listing=listing, title="Override title", user=editor_user)
    with audit_actor("sync", "sync job #12"):
        listing_sync_state_set(listing=listing, external_id="gid://1", channel_payload={"id": 1})
    create, override, synced = entries_for(listing)
    assert create.action == "create"
    assert override.changes == {"title": [None, "Override title"]}
    assert (synced.actor_kind, synced.actor_label) == ("sync", "sync job #12")
    assert synced.changes == {"external_id": ["", "gid://1"]}
    assert Listing.objects.get().external_id == "gid://1"
