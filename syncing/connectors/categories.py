"""The marketplaces' own category trees as one normalised list (docs/channels.md#marketplace-categories).

Pure functions: each marketplace's category and attribute answers -> RemoteCategoryNode / RemoteCategoryAttribute.
The connectors make the calls (`categories()`, `category_attributes(id)`); the channels service caches the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class RemoteCategoryNode:
    """One marketplace category: `parent_id` "" for a root; `path` the names from the root, " > "-joined."""

    id: str
    name: str
    parent_id: str
    path: str
    leaf: bool


@dataclass(frozen=True)
class RemoteCategoryAttribute:
    """One attribute of a leaf category: `options` empty when the value is free text or a number."""

    name: str
    label: str
    mandatory: bool
    options: tuple[str, ...] = ()


def with_paths(rows: Iterable[tuple[str, str, str, bool]]) -> list[RemoteCategoryNode]:
    """(id, name, parent id, leaf) rows in any order -> nodes with their paths, in path order."""
    rows = list(rows)
    by_id = {row[0]: row for row in rows}

    def path(row: tuple[str, str, str, bool]) -> str:
        names, seen = [row[1]], {row[0]}
        parent = by_id.get(row[2])
        while parent is not None and parent[0] not in seen:
            names.append(parent[1])
            seen.add(parent[0])
            parent = by_id.get(parent[2])
        return PATH_SEPARATOR.join(reversed(names))

    nodes = [RemoteCategoryNode(i, name, parent, path((i, name, parent, leaf)), leaf) for i, name, parent, leaf in rows]
    return sorted(nodes, key=lambda n: n.path.lower())


def _flatten(entries: Any, parent: str, id_key: str, children_key: str) -> list[tuple[str, str, str, bool]]:
    rows: list[tuple[str, str, str, bool]] = []
    for entry in entries or []:
        if not isinstance(entry, Mapping):
            continue
        kids = entry.get(children_key) or []
        leaf = bool(entry["leaf"]) if "leaf" in entry else not kids
        rows.append((str(entry[id_key]), str(entry.get("name") or ""), parent, leaf))
        rows += _flatten(kids, str(entry[id_key]), id_key, children_key)
    return rows


def _options(values: Any, key: str = "name") -> tuple[str, ...]:
    return tuple(str(v.get(key) or "") for v in values or [] if isinstance(v, Mapping))


# --- Shopify: TaxonomyCategory nodes ---


def shopify_rows(nodes: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str, bool]]:
    return [
        (str(n["id"]), str(n.get("name") or ""), str(n.get("parentId") or ""), bool(n.get("isLeaf"))) for n in nodes
    ]


def shopify_attributes(node: Mapping[str, Any]) -> list[RemoteCategoryAttribute]:
    """Shopify's taxonomy attributes carry no mandatory flag: none is mandatory."""
    out = []
    for attribute in (node.get("attributes") or {}).get("nodes") or []:
        label = str(attribute.get("name") or "")
        values = (attribute.get("values") or {}).get("nodes")
        out.append(RemoteCategoryAttribute(str(attribute.get("id") or label), label, False, _options(values)))
    return out


# --- Lazada: /category/tree/get, /category/attributes/get ---


def lazada_categories(data: Any) -> list[RemoteCategoryNode]:
    return with_paths(_flatten(data, "", "category_id", "children"))


def lazada_attributes(data: Any) -> list[RemoteCategoryAttribute]:
    return [
        RemoteCategoryAttribute(
            str(a.get("name") or ""),
            str(a.get("label") or a.get("name") or ""),
            bool(int(a.get("is_mandatory") or 0)),
            _options(a.get("options")),
        )
        for a in data or []
        if isinstance(a, Mapping)
    ]


# --- Shopee: get_category, get_attribute_tree ---


def shopee_categories(response: Mapping[str, Any]) -> list[RemoteCategoryNode]:
    rows = []
    for c in response.get("category_list") or []:
        parent = str(c.get("parent_category_id") or "")
        name = str(c.get("display_category_name") or c.get("original_category_name") or "")
        rows.append((str(c["category_id"]), name, "" if parent == "0" else parent, not c.get("has_children")))
    return with_paths(rows)


def shopee_attributes(response: Mapping[str, Any], category_id: str) -> list[RemoteCategoryAttribute]:
    for entry in response.get("list") or []:
        if str(entry.get("category_id")) == category_id:
            return [
                RemoteCategoryAttribute(
                    str(a.get("attribute_id")),
                    str(a.get("name") or ""),
                    bool(a.get("mandatory")),
                    _options(a.get("attribute_value_list")),
                )
                for a in entry.get("attribute_tree") or []
            ]
    return []


# --- TikTok Shop: 202309 categories and attributes ---


def tiktok_categories(data: Mapping[str, Any]) -> list[RemoteCategoryNode]:
    rows = []
    for c in data.get("categories") or []:
        parent = str(c.get("parent_id") or "")
        rows.append(
            (str(c["id"]), str(c.get("local_name") or ""), "" if parent == "0" else parent, bool(c.get("is_leaf")))
        )
    return with_paths(rows)


def tiktok_attributes(data: Mapping[str, Any]) -> list[RemoteCategoryAttribute]:
    """`is_requried` is TikTok's spelling (docs/sandbox.md#category-trees); `is_required` is read too."""
    return [
        RemoteCategoryAttribute(
            str(a.get("id")),
            str(a.get("name") or ""),
            bool(a.get("is_requried", a.get("is_required"))),
            _options(a.get("values")),
        )
        for a in data.get("attributes") or []
    ]


# --- Etsy: seller taxonomy ---


def etsy_categories(body: Mapping[str, Any]) -> list[RemoteCategoryNode]:
    return with_paths(_flatten(body.get("results"), "", "id", "children"))


def etsy_attributes(body: Mapping[str, Any]) -> list[RemoteCategoryAttribute]:
    return [
        RemoteCategoryAttribute(
            str(p.get("property_id")),
            str(p.get("display_name") or p.get("name") or ""),
            bool(p.get("is_required")),
            _options(p.get("possible_values")),
        )
        for p in body.get("results") or []
    ]


# --- Amazon: product types (a flat list of leaves) and their JSON schema ---


def amazon_categories(body: Mapping[str, Any]) -> list[RemoteCategoryNode]:
    rows = [
        (str(p["name"]), str(p.get("displayName") or p["name"]), "", True)
        for p in body.get("productTypes") or []
        if isinstance(p, Mapping) and p.get("name")
    ]
    return with_paths(rows)


def amazon_attributes(schema: Mapping[str, Any]) -> list[RemoteCategoryAttribute]:
    required = set(schema.get("required") or [])
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        value = ((prop.get("items") or {}).get("properties") or {}).get("value") or {}
        options = tuple(str(o) for o in value.get("enum") or [])
        out.append(RemoteCategoryAttribute(str(name), str(prop.get("title") or name), name in required, options))
    return out
