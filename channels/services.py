"""Writes for channels, their credentials and their category / attribute value mappings.

Every interface (admin, staff pages, API, demo seeding, sync engine token refresh) calls these.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Category
from common import events
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError
from syncing.connectors import get_connector_class
from syncing.connectors.base import ConnectorError
from syncing.connectors.categories import RemoteCategoryAttribute, RemoteCategoryNode

from .events import PAYLOAD_INPUTS_CHANGED, READINESS_INPUTS_CHANGED
from .models import (
    OFFER_RULE_FIELDS,
    RULE_FIELDS,
    AttributeValueMapping,
    CategoryMapping,
    Channel,
    RemoteCategory,
)
from .selectors import channel_connector_config

# The settings a person edits, in the order the form and the API show them (the form, the serializer and the
# services all read this one list).
CHANNEL_EDITABLE_FIELDS: tuple[str, ...] = (
    "name",
    "marketplace",
    "country",
    "currency",
    "language",
    "base_url",
    "shop_id",
    "is_active",
    "rate_limit_per_second",
    "rate_limit_burst",
    *RULE_FIELDS,
    *OFFER_RULE_FIELDS,
    "conflict_policy",
    "pull_interval_hours",
    "pull_incremental_minutes",
    "pull_overlap_minutes",
    # push on change (docs/sync.md)
    "auto_push_offers",
    "auto_push_content",
    "push_debounce_seconds",
)
# ...plus the circuit-breaker state the sync engine sets through the same services.
CHANNEL_FIELDS = {*CHANNEL_EDITABLE_FIELDS, "circuit_open_until", "consecutive_failures"}


# Channel fields that readiness reads: the rules, activity, the price and stock rules behind the price/stock checks
# and the name in messages. Connection, rate limit and sync bookkeeping (the circuit breaker, written often by the
# sync engine) change no verdict.
READINESS_INPUT_FIELDS = CHANNEL_FIELDS - {
    "marketplace",
    "country",
    "language",
    "base_url",
    "shop_id",
    "rate_limit_per_second",
    "rate_limit_burst",
    "conflict_policy",
    "pull_interval_hours",
    "pull_incremental_minutes",
    "pull_overlap_minutes",
    "circuit_open_until",
    "consecutive_failures",
    "auto_push_offers",
    "auto_push_content",
    "push_debounce_seconds",
}

# Channel fields that the listings' payload reads, by part ("offers": price and stock; docs/sync.md).
PAYLOAD_OFFER_FIELDS = frozenset(
    {"price_currency_rate", "price_adjust_type", "price_adjust_value", "price_rounding_ending", "price_min"}
    | {"price_max", "stock_percent", "stock_buffer", "stock_max", "currency"}
    | {"minimum_stock", "minimum_stock_primary"}
)
PAYLOAD_CONTENT_FIELDS = frozenset({"max_images", "currency"})
PAYLOAD_PARTS = (("offers", PAYLOAD_OFFER_FIELDS), ("content", PAYLOAD_CONTENT_FIELDS))


def _payload_changed(channel: Channel, category: Category | None, fields: Sequence[str] | None = None) -> None:
    """Publish `channel.payload_inputs_changed` with the parts the changed `fields` feed (None: content)."""
    if fields is None:
        parts = frozenset({"content"})
    else:
        parts = frozenset(part for part, names in PAYLOAD_PARTS if names & set(fields))
    if parts:
        events.publish(PAYLOAD_INPUTS_CHANGED, channel=channel, category=category, parts=parts)


def _check_fields(fields: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ApplicationError(f"Unknown {what} field(s): {', '.join(unknown)}.")


def credentials_clean(marketplace: str, values: Mapping[str, Any]) -> dict[str, str]:
    """Strip values and refuse names the marketplace's connector does not know."""
    try:
        connector = get_connector_class(marketplace)
    except ValueError as exc:
        raise ValidationError({"marketplace": str(exc)}) from None
    known = set(connector.credential_fields) | set(connector.optional_credential_fields)
    cleaned = {str(k).strip(): str(v).strip() for k, v in values.items() if v is not None}
    unknown = sorted(set(cleaned) - known)
    if unknown:
        raise ValidationError(
            {
                "credentials": f"{connector.label} does not use credential field(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}."
            }
        )
    return {k: v for k, v in cleaned.items() if v}


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    for key in ("country", "currency"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip().upper()
    if isinstance(fields.get("name"), str):
        fields["name"] = fields["name"].strip()
    if isinstance(fields.get("marketplace"), str):
        fields["marketplace"] = fields["marketplace"].strip().lower()
    return fields


@transaction.atomic
def channel_create(
    *,
    name: str,
    marketplace: str,
    country: str,
    currency: str,
    base_url: str,
    credentials: Mapping[str, Any],
    user: User = None,
    allowed_categories: list[Category] | None = None,
    **fields: Any,
) -> Channel:
    """Create a channel; empty rate limits and rules default to the marketplace's documented values."""
    _check_fields(fields, CHANNEL_FIELDS, "channel")
    data = _normalise(
        {"name": name, "marketplace": marketplace, "country": country, "currency": currency, "base_url": base_url}
        | fields
    )
    channel = Channel(**data)
    channel.set_credentials(credentials_clean(channel.marketplace, credentials))
    channel.created_by = channel.updated_by = _actor(user)
    channel.full_clean()
    channel.save()
    if allowed_categories:
        channel.allowed_categories.set(allowed_categories)
    return channel


def _credentials_merged(channel: Channel, credentials: Mapping[str, Any], *, replace: bool) -> dict[str, str]:
    """The credentials to store: the cleaned new values merged over the stored ones, or replacing them."""
    new = credentials_clean(channel.marketplace, credentials)
    return new if replace else channel.get_credentials() | new


def _credentials_missing_check(channel: Channel, values: Mapping[str, str]) -> None:
    missing = channel.missing_credential_fields(dict(values))
    if missing:
        raise ValidationError(
            {
                "credentials": f"{channel.connector_class.label} credentials are missing: {', '.join(missing)} "
                f"(required: {', '.join(channel.connector_class.credential_fields)})."
            }
        )


@transaction.atomic
def channel_update(
    *,
    channel: Channel,
    user: User = None,
    allowed_categories: list[Category] | None = None,
    credentials: Mapping[str, Any] | None = None,
    replace_credentials: bool = False,
    **fields: Any,
) -> Channel:
    """Change channel settings and, in the same transaction, its credentials: all of it is saved or none of it.

    `credentials` are merged over the stored ones (an empty value keeps the stored value), or replace them all
    when `replace_credentials` is set. Every interface that edits a channel (staff page, admin, API) calls this.
    """
    _check_fields(fields, CHANNEL_FIELDS, "channel")
    fields = _normalise(dict(fields))
    # Compared with the stored row, not the instance: Django Admin hands over an instance its form already changed.
    watched = sorted(set(fields) & (READINESS_INPUT_FIELDS | PAYLOAD_OFFER_FIELDS | PAYLOAD_CONTENT_FIELDS))
    before = Channel.objects.filter(pk=channel.pk).values(*watched).first() if watched else None
    for key, value in fields.items():
        setattr(channel, key, value)
    if credentials or replace_credentials:
        values = _credentials_merged(channel, credentials or {}, replace=replace_credentials)
        _credentials_missing_check(channel, values)
        channel.set_credentials(values)
    channel.updated_by = _actor(user)
    channel.full_clean()
    channel.save()
    # serializable_value: a foreign key compares by id, as values() read it
    changed = [key for key in watched if before is not None and before[key] != channel.serializable_value(key)]
    _payload_changed(channel, None, changed)
    stale = any(key in READINESS_INPUT_FIELDS for key in changed)
    if allowed_categories is not None:
        before = set(channel.allowed_categories.values_list("pk", flat=True))
        channel.allowed_categories.set(allowed_categories)
        stale = stale or before != {c.pk for c in allowed_categories}
    if stale:
        events.publish(READINESS_INPUTS_CHANGED, channel=channel, category=None)
    return channel


@transaction.atomic
def channel_set_credentials(
    *, channel: Channel, credentials: Mapping[str, Any], replace: bool = False, user: User = None
) -> Channel:
    """Store new credentials only, merged over the current ones (empty values keep the old value) or replacing
    them: the `on_tokens` callback target after a connector refreshed its tokens. People editing a channel go
    through channel_update, which saves settings and credentials together."""
    values = _credentials_merged(channel, credentials, replace=replace)
    _credentials_missing_check(channel, values)
    channel.set_credentials(values)
    channel.updated_by = _actor(user)
    channel.save(update_fields=["credentials_encrypted", "updated_by", "updated_at"])
    return channel


@transaction.atomic
def category_mapping_set(
    *,
    channel: Channel,
    category: Category,
    external_category_id: str,
    external_category_name: str = "",
    user: User = None,
) -> CategoryMapping:
    """Map our category to the marketplace's category id on this channel (create or change)."""
    mapping = CategoryMapping.objects.filter(channel=channel, category=category).first()
    if mapping is None:
        mapping = CategoryMapping(channel=channel, category=category, created_by=_actor(user))
    mapping.external_category_id = external_category_id
    mapping.external_category_name = external_category_name
    mapping.updated_by = _actor(user)
    mapping.full_clean()
    mapping.save()
    events.publish(READINESS_INPUTS_CHANGED, channel=channel, category=category)
    _payload_changed(channel, category)
    return mapping


@transaction.atomic
def category_mappings_bulk_set(
    *, channel: Channel, mappings: Sequence[tuple[Category, str, str]], user: User = None
) -> dict[str, int]:
    """Set many (category, external id, external name) mappings of one channel in a few queries (imports, demo).

    Each row is validated like category_mapping_set; an invalid row refuses the whole batch, naming the category.
    """
    existing = {m.category_id: m for m in CategoryMapping.objects.filter(channel=channel)}
    actor = _actor(user)
    new: list[CategoryMapping] = []
    changed: list[CategoryMapping] = []
    for category, external_id, external_name in mappings:
        mapping = existing.get(category.pk) or CategoryMapping(channel=channel, category=category, created_by=actor)
        mapping.external_category_id, mapping.external_category_name = external_id, external_name
        mapping.updated_by = actor
        try:
            mapping.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise ValidationError({"mappings": f"Category '{category.name}': {'; '.join(exc.messages)}"}) from None
        (changed if mapping.pk else new).append(mapping)
    CategoryMapping.objects.bulk_create(new)
    CategoryMapping.objects.bulk_update(
        changed, ["external_category_id", "external_category_name", "updated_by", "updated_at"]
    )
    if new or changed:
        events.publish(READINESS_INPUTS_CHANGED, channel=channel, category=None)
        _payload_changed(channel, None)
    return {"created": len(new), "updated": len(changed)}


@transaction.atomic
def category_mapping_delete(*, mapping: CategoryMapping, user: User = None) -> None:
    channel, category = mapping.channel, mapping.category
    mapping.delete()
    events.publish(READINESS_INPUTS_CHANGED, channel=channel, category=category)
    _payload_changed(channel, category)


@transaction.atomic
def attribute_value_mapping_set(
    *, channel: Channel, attribute_code: str, our_value: str, marketplace_value: str, user: User = None
) -> AttributeValueMapping:
    """Say how the marketplace spells one of our attribute values (create or change)."""
    code = (attribute_code or "").strip().lower()
    mapping = AttributeValueMapping.objects.filter(channel=channel, attribute_code=code, our_value=our_value).first()
    if mapping is None:
        mapping = AttributeValueMapping(
            channel=channel, attribute_code=code, our_value=our_value, created_by=_actor(user)
        )
    mapping.marketplace_value = (marketplace_value or "").strip()
    mapping.updated_by = _actor(user)
    mapping.full_clean()
    mapping.save()
    _payload_changed(channel, None)
    return mapping


@transaction.atomic
def attribute_value_mapping_delete(*, mapping: AttributeValueMapping, user: User = None) -> None:
    channel = mapping.channel
    mapping.delete()
    _payload_changed(channel, None)


# --- The marketplace's own category tree (docs/channels.md#marketplace-categories) ---


def _channel_connector(channel: Channel) -> Any:
    """A connector for `channel` whose refreshed tokens are saved back on the channel."""

    def save_tokens(values: Mapping[str, str]) -> None:
        channel_set_credentials(channel=channel, credentials=dict(values))

    return get_connector_class(channel.marketplace)(channel_connector_config(channel), on_tokens=save_tokens)


def remote_categories_load(*, channel: Channel, user: User = None) -> int:
    """ "Load marketplace categories": read the marketplace's whole tree and cache it on the channel; returns how
    many categories it has. Synchronous: a tree is a few calls (one per root on Shopify, one elsewhere)."""
    try:
        nodes = _channel_connector(channel).categories()
    except NotImplementedError as exc:
        raise ApplicationError(str(exc)) from None
    except ConnectorError as exc:
        raise ApplicationError(f"{channel.name}: the marketplace did not send its categories: {exc}") from None
    if not nodes:
        raise ApplicationError(f"{channel.name}: the marketplace sent no categories; the cached ones are kept.")
    return remote_categories_replace(channel=channel, nodes=nodes, user=user)


@transaction.atomic
def remote_categories_replace(*, channel: Channel, nodes: Sequence[RemoteCategoryNode], user: User = None) -> int:
    """Replace the channel's cached tree with `nodes` (the first of a repeated id wins)."""
    rows: dict[str, RemoteCategory] = {}
    for node in nodes:
        if node.id in rows:
            continue
        row = RemoteCategory(
            channel=channel,
            remote_id=node.id[:128],
            name=node.name[:255] or node.id[:255],
            parent_remote_id=node.parent_id[:128],
            path=node.path[:1024] or node.name[:1024],
            is_leaf=node.leaf,
            created_by=_actor(user),
            updated_by=_actor(user),
        )
        row.full_clean(exclude=["channel"], validate_unique=False, validate_constraints=False)
        rows[node.id] = row
    RemoteCategory.objects.filter(channel=channel).delete()
    RemoteCategory.objects.bulk_create(rows.values(), batch_size=500)
    return len(rows)


def remote_category_attributes(*, channel: Channel, remote_id: str) -> list[RemoteCategoryAttribute]:
    """The attributes of one cached leaf, read from the marketplace (not cached: they change with the leaf)."""
    category = RemoteCategory.objects.filter(channel=channel, remote_id=remote_id).first()
    if category is None or not category.is_leaf:
        raise ApplicationError(f"{remote_id!r} is not a leaf of {channel.name}'s loaded marketplace categories.")
    try:
        return list(_channel_connector(channel).category_attributes(remote_id))
    except NotImplementedError as exc:
        raise ApplicationError(str(exc)) from None
    except ConnectorError as exc:
        raise ApplicationError(f"{channel.name}: the marketplace did not send the attributes: {exc}") from None
