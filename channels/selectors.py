"""Reads about channels shared by listings, the sync engine, pages and the API."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from catalog.models import Category
from syncing.connectors.base import ChannelConfig

from .models import AttributeValueMapping, CategoryMapping, Channel, RemoteCategory

AttributeValueMap = dict[tuple[str, str], str]  # (attribute code, our value) -> marketplace value


def channel_list(*, is_active: bool | None = None, marketplace: str | None = None) -> QuerySet[Channel]:
    channels = Channel.objects.all()
    if is_active is not None:
        channels = channels.filter(is_active=is_active)
    if marketplace:
        channels = channels.filter(marketplace=marketplace)
    return channels


def remote_category_list(
    *, channel: Channel, search: str = "", leaf: bool | None = None, parent: str | None = None
) -> QuerySet[RemoteCategory]:
    """The channel's cached marketplace categories in path order: `search` words each anywhere in the path or
    the id, `leaf` only leaves (or only parents), `parent` the children of one remote id ("" = the roots)."""
    rows = RemoteCategory.objects.filter(channel=channel).order_by("path", "remote_id")
    for word in search.split():
        rows = rows.filter(Q(path__icontains=word) | Q(remote_id__icontains=word))
    if leaf is not None:
        rows = rows.filter(is_leaf=leaf)
    if parent is not None:
        rows = rows.filter(parent_remote_id=parent)
    return rows


def remote_category_warnings(*, channel: Channel, ids: list[str]) -> list[str]:
    """Why each of `ids` may be wrong for the channel's loaded marketplace tree: not in it, or not a leaf (none
    when no tree is loaded)."""
    cached = dict(RemoteCategory.objects.filter(channel=channel).values_list("remote_id", "is_leaf"))
    if not cached:
        return []
    warnings = []
    for remote_id in dict.fromkeys(ids):
        if remote_id not in cached:
            warnings.append(f"{remote_id!r} is not in {channel.name}'s loaded marketplace categories")
        elif not cached[remote_id]:
            warnings.append(f"{remote_id!r} is a parent category on {channel.name}, not a leaf")
    return warnings


def channel_connector_config(channel: Channel, *, timeout: float = 15.0) -> ChannelConfig:
    """The connector's view of a channel, with decrypted credentials: pass it to a connector, never log it."""
    return ChannelConfig(
        base_url=channel.base_url,
        shop_id=channel.shop_id,
        credentials=channel.get_credentials(),
        country=channel.country,
        currency=channel.currency,
        language=channel.language,
        timeout=timeout,
    )


def _lineage(category: Category) -> list[int]:
    return category.ancestor_ids() or [category.pk]


def _nearest_mapping(mappings: dict[int, CategoryMapping], category: Category) -> CategoryMapping | None:
    for category_id in reversed(_lineage(category)):
        if category_id in mappings:
            return mappings[category_id]
    return None


def _is_allowed(allowed: set[int] | frozenset[int], category: Category | None) -> bool:
    if not allowed:
        return True
    if category is None:
        return False
    return bool(set(allowed) & set(_lineage(category)))


def category_mapping_resolve(channel: Channel, category: Category | None) -> CategoryMapping | None:
    """The mapping of `category` on `channel`, or of its nearest mapped ancestor (subcategories inherit)."""
    if category is None:
        return None
    mappings = {
        m.category_id: m for m in CategoryMapping.objects.filter(channel=channel, category_id__in=_lineage(category))
    }
    return _nearest_mapping(mappings, category)


def category_is_allowed(channel: Channel, category: Category | None) -> bool:
    """True when the channel allows every category, or `category` is one of its allowed ones or below one."""
    return _is_allowed(set(channel.allowed_categories.values_list("pk", flat=True)), category)


@dataclass(frozen=True)
class ChannelCategoryRules:
    """A channel's allowed categories and every category mapping, loaded once for many listings (readiness
    refresh over a whole channel asks the same two questions per listing; this answers them without a query)."""

    allowed_ids: frozenset[int]
    mappings: dict[int, CategoryMapping]

    def is_allowed(self, category: Category | None) -> bool:
        return _is_allowed(self.allowed_ids, category)

    def resolve(self, category: Category | None) -> CategoryMapping | None:
        return None if category is None else _nearest_mapping(self.mappings, category)


def channel_category_rules(channel: Channel) -> ChannelCategoryRules:
    """Two queries: the allowed category ids and the category mappings of `channel`."""
    return ChannelCategoryRules(
        allowed_ids=frozenset(channel.allowed_categories.values_list("pk", flat=True)),
        mappings={m.category_id: m for m in CategoryMapping.objects.filter(channel=channel)},
    )


def attribute_value_map(channel: Channel) -> AttributeValueMap:
    rows = AttributeValueMapping.objects.filter(channel=channel).values_list(
        "attribute_code", "our_value", "marketplace_value"
    )
    return {(code, ours): theirs for code, ours, theirs in rows}
