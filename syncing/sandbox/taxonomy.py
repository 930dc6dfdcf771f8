"""The marketplaces' own category trees (docs/sandbox.md#category-trees): one small built-in tree, spelled in
each marketplace's ids and answered in each marketplace's documented shape by its module.

Every marketplace serves the same three roots (2-3 levels, leaves carry attributes with mandatory flags and
options); the ids follow each marketplace's format, and the parents are the ids its product calls already refuse
as "not a leaf" (Lazada 10000001/10000002, Shopee 100001/100002, TikTok 600000/700000). Amazon has no tree:
its product types are the leaves, searched by keyword.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Attribute:
    name: str
    label: str
    mandatory: bool
    options: tuple[str, ...] = ()
    input_type: str = "singleSelect"  # "text" or "numeric" without options


SIZE = Attribute("size", "Size", True, ("XS", "S", "M", "L", "XL"))
COLOR = Attribute("color_family", "Colour", True, ("Black", "White", "Red", "Blue", "Green"))
COLOR_OPTIONAL = Attribute("color_family", "Colour", False, ("Black", "White", "Red", "Blue", "Green"))
MATERIAL = Attribute("material", "Material", False, input_type="text")
APPAREL = (SIZE, COLOR, MATERIAL)
ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "apparel": APPAREL,
    "mug": (
        Attribute("capacity_ml", "Capacity (ml)", True, input_type="numeric"),
        Attribute("material", "Material", False, ("Ceramic", "Stoneware", "Glass")),
        COLOR_OPTIONAL,
    ),
    "lamp": (Attribute("power_source", "Power source", True, ("Mains", "Battery", "USB")), MATERIAL),
    "backpack": (Attribute("capacity_l", "Capacity (l)", True, input_type="numeric"), COLOR_OPTIONAL, MATERIAL),
}


@dataclass(frozen=True)
class Node:
    key: str  # "1", "1-1", "1-1-2": the parent's key plus one part
    name: str
    attributes: str = ""  # a key of ATTRIBUTES on leaves
    product_type: str = ""  # Amazon's product type of a leaf

    @property
    def parent_key(self) -> str:
        return self.key.rpartition("-")[0]

    @property
    def level(self) -> int:
        return self.key.count("-") + 1


TREE: tuple[Node, ...] = (
    Node("1", "Clothing"),
    Node("1-1", "Women's clothing"),
    Node("1-1-1", "Dresses", "apparel", "DRESS"),
    Node("1-1-2", "Tops", "apparel", "SHIRT"),
    Node("1-2", "Men's clothing"),
    Node("1-2-1", "T-shirts", "apparel", "T_SHIRTS"),
    Node("2", "Home & Kitchen"),
    Node("2-1", "Drinkware"),
    Node("2-1-1", "Mugs", "mug", "DRINKING_CUP"),
    Node("2-2", "Lighting"),
    Node("2-2-1", "Desk lamps", "lamp", "LAMP"),
    Node("3", "Bags"),
    Node("3-1", "Backpacks", "backpack", "BACKPACK"),
)
BY_KEY = {n.key: n for n in TREE}
# Numeric ids: (root ids, first id of an inner node, first id of a leaf), numbered in tree order.
NUMBERING = {
    "lazada": ((10000001, 10000002, 10000003), 10000101, 10001001),
    "shopee": ((100001, 100002, 100003), 100011, 100101),
    "tiktok": ((600000, 700000, 800000), 600101, 601001),
    "etsy": ((1, 2, 3), 101, 1001),
}
SHOPIFY_ROOTS = {"1": "aa", "2": "hg", "3": "lb"}
SHOPIFY_GID = "gid://shopify/TaxonomyCategory/"


def is_leaf(node: Node) -> bool:
    return not any(n.parent_key == node.key for n in TREE)


def children(node: Node | None) -> list[Node]:
    key = node.key if node else ""
    return [n for n in TREE if n.parent_key == key]


def attributes(node: Node) -> tuple[Attribute, ...]:
    return ATTRIBUTES.get(node.attributes, ())


def path(node: Node) -> list[Node]:
    """The node's ancestors from the root, then the node."""
    parts = node.key.split("-")
    return [BY_KEY["-".join(parts[: i + 1])] for i in range(len(parts))]


def numeric_id(marketplace: str, node: Node) -> int:
    roots, inner, leaf = NUMBERING[marketplace]
    if node.level == 1:
        return roots[int(node.key) - 1]
    same = [n for n in TREE if n.level > 1 and is_leaf(n) == is_leaf(node)]
    return (leaf if is_leaf(node) else inner) + same.index(node)


def by_numeric_id(marketplace: str, value: Any) -> Node | None:
    text = str(value or "").strip()
    return next((n for n in TREE if str(numeric_id(marketplace, n)) == text), None)


def shopify_id(node: Node) -> str:
    first, _, rest = node.key.partition("-")
    return SHOPIFY_GID + SHOPIFY_ROOTS[first] + (f"-{rest}" if rest else "")


def by_shopify_id(value: Any) -> Node | None:
    return next((n for n in TREE if shopify_id(n) == str(value or "")), None)


def by_product_type(name: str) -> Node | None:
    return next((n for n in TREE if n.product_type and n.product_type == name), None)


def option_id(base: int, attribute: Attribute, option: str) -> int:
    """A stable id of an option value (its place in the attribute's options after a per-attribute base)."""
    return base + 100 * (sum(map(ord, attribute.name)) % 97) + attribute.options.index(option) + 1


def attribute_id(base: int, attribute: Attribute) -> int:
    return base + sum(map(ord, attribute.name))


def matches(node: Node, keyword: str) -> bool:
    """Every word of the keyword in the node's full path (case-insensitive)."""
    text = " > ".join(n.name for n in path(node)).lower()
    return all(word in text for word in keyword.lower().split())


# --- Shopify: taxonomy { categories(...) } (docs/sandbox.md#category-trees) ---


def shopify_categories(args: Mapping[str, Any]) -> dict[str, Any]:
    """`search` (words in the full name), `childrenOf`, `descendantsOf`, `siblingsOf` (a category gid), `first`,
    `after` (the previous page's `endCursor`);
    none of them = the top-level categories. A ValueError names an unknown category id."""
    selected: list[Node]
    for name in ("childrenOf", "descendantsOf", "siblingsOf"):
        if args.get(name):
            node = by_shopify_id(args[name])
            if node is None:
                raise ValueError(f"Category '{args[name]}' was not found.")
            if name == "childrenOf":
                selected = children(node)
            elif name == "descendantsOf":
                selected = [n for n in TREE if n.key.startswith(node.key + "-")]
            else:
                selected = [n for n in TREE if n.parent_key == node.parent_key and n is not node]
            break
    else:
        search = str(args.get("search") or "")
        selected = [n for n in TREE if matches(n, search)] if search else children(None)
    first = int(args.get("first") or 50)
    if not 1 <= first <= 250:
        raise ValueError("`first` must be between 1 and 250.")
    start = 0
    if args.get("after"):  # the cursor is the id of the last category of the previous page
        ids = [shopify_id(n) for n in selected]
        if args["after"] not in ids:
            raise ValueError(f"Invalid cursor '{args['after']}'.")
        start = ids.index(args["after"]) + 1
    nodes = [_shopify_node(n) for n in selected[start : start + first]]
    return {
        "categories": {
            "edges": [{"cursor": n["id"], "node": n} for n in nodes],
            "nodes": nodes,
            "pageInfo": {
                "hasNextPage": len(selected) > start + first,
                "endCursor": nodes[-1]["id"] if nodes else None,
            },
        }
    }


def shopify_node_by_id(gid: str) -> dict[str, Any] | None:
    """A TaxonomyCategory for `nodes(ids:)` (None when unknown, as Shopify answers)."""
    node = by_shopify_id(gid)
    return None if node is None else _shopify_node(node)


def _shopify_node(node: Node) -> dict[str, Any]:
    ancestors = path(node)[:-1]
    attrs = []
    for attribute in attributes(node):
        base: dict[str, Any] = {
            "id": f"gid://shopify/TaxonomyAttribute/{attribute_id(0, attribute)}",
            "name": attribute.label,
        }
        if attribute.options:
            values = [
                {"id": f"gid://shopify/TaxonomyValue/{option_id(0, attribute, o)}", "name": o}
                for o in attribute.options
            ]
            base |= {"__typename": "TaxonomyChoiceListAttribute", "values": {"nodes": values}}
        else:
            base |= {"__typename": "TaxonomyAttribute"}
        attrs.append(base)
    return {
        "id": shopify_id(node),
        "name": node.name,
        "fullName": " > ".join(n.name for n in path(node)),
        "level": node.level,
        "isLeaf": is_leaf(node),
        "isRoot": node.level == 1,
        "isArchived": False,
        "parentId": shopify_id(ancestors[-1]) if ancestors else None,
        "ancestorIds": [shopify_id(n) for n in reversed(ancestors)],
        "childrenIds": [shopify_id(n) for n in children(node)],
        "attributes": {"nodes": attrs},
    }


# --- Lazada: /category/tree/get, /category/attributes/get ---


def lazada_tree() -> list[dict[str, Any]]:
    def entry(node: Node) -> dict[str, Any]:
        out: dict[str, Any] = {
            "category_id": numeric_id("lazada", node),
            "name": node.name,
            "leaf": is_leaf(node),
            "var": node.attributes == "apparel",
        }
        if not is_leaf(node):
            out["children"] = [entry(c) for c in children(node)]
        return out

    return [entry(n) for n in children(None)]


def lazada_attributes(category: str) -> list[dict[str, Any]]:
    """A ValueError when the category is missing, unknown or not a leaf."""
    node = by_numeric_id("lazada", category)
    if node is None or not is_leaf(node):
        raise ValueError(f"primary_category_id {category!r} is not a leaf category")
    return [
        {
            "id": attribute_id(100000, a),
            "name": a.name,
            "label": a.label,
            "is_mandatory": int(a.mandatory),
            "is_sale_prop": int(a.name in ("size", "color_family")),
            "input_type": a.input_type if not a.options else "singleSelect",
            "attribute_type": "sku" if a.name in ("size", "color_family") else "normal",
            "options": [{"id": option_id(200000, a, o), "name": o, "en_name": o} for o in a.options],
        }
        for a in attributes(node)
    ]


# --- Shopee: /api/v2/product/get_category, /api/v2/product/get_attribute_tree ---


def shopee_categories() -> dict[str, Any]:
    return {
        "category_list": [
            {
                "category_id": numeric_id("shopee", n),
                "parent_category_id": numeric_id("shopee", BY_KEY[n.parent_key]) if n.parent_key else 0,
                "original_category_name": n.name,
                "display_category_name": n.name,
                "has_children": not is_leaf(n),
            }
            for n in TREE
        ]
    }


def shopee_attribute_tree(category_ids: str) -> dict[str, Any]:
    """`category_id_list`: 1 to 20 comma-separated leaf ids; a ValueError otherwise."""
    ids = [p.strip() for p in category_ids.split(",") if p.strip()]
    if not 1 <= len(ids) <= 20:
        raise ValueError("category_id_list must hold 1 to 20 category ids")
    out = []
    for text in ids:
        node = by_numeric_id("shopee", text)
        if node is None or not is_leaf(node):
            raise ValueError(f"category_id {text} is invalid or not a leaf category")
        tree = [
            {
                "attribute_id": attribute_id(300000, a),
                "mandatory": a.mandatory,
                "name": a.label,
                "attribute_info": {
                    "input_type": 1 if a.options else 2,  # 1 single drop-down, 2 text field
                    "input_validation_type": 2 if a.input_type == "numeric" else 0,
                    "max_value_count": 1,
                },
                "attribute_value_list": [{"value_id": option_id(400000, a, o), "name": o} for o in a.options],
                "multi_lang": [{"language": "en", "value": a.label}],
            }
            for a in attributes(node)
        ]
        out.append({"category_id": int(text), "attribute_tree": tree})
    return {"list": out}


# --- TikTok Shop: /product/202309/categories, /product/202309/categories/{id}/attributes ---


def tiktok_categories(keyword: str) -> dict[str, Any]:
    found = [n for n in TREE if not keyword or matches(n, keyword)]
    return {
        "categories": [
            {
                "id": str(numeric_id("tiktok", n)),
                "parent_id": str(numeric_id("tiktok", BY_KEY[n.parent_key])) if n.parent_key else "0",
                "local_name": n.name,
                "is_leaf": is_leaf(n),
                "permission_statuses": ["AVAILABLE"],
            }
            for n in found
        ]
    }


def tiktok_attributes(category_id: str) -> dict[str, Any]:
    """A ValueError when the category is unknown or not a leaf. `is_requried` is TikTok's own spelling."""
    node = by_numeric_id("tiktok", category_id)
    if node is None or not is_leaf(node):
        raise ValueError(f"category_id {category_id} is not a leaf category")
    return {
        "attributes": [
            {
                "id": str(attribute_id(500000, a)),
                "name": a.label,
                "type": "SALES_PROPERTY" if a.name in ("size", "color_family") else "PRODUCT_PROPERTY",
                "is_requried": a.mandatory,
                "is_multiple_selection": False,
                "is_customizable": not a.options,
                "values": [{"id": str(option_id(600000, a, o)), "name": o} for o in a.options],
            }
            for a in attributes(node)
        ]
    }


# --- Etsy: /v3/application/seller-taxonomy/nodes, /nodes/{taxonomy_id}/properties ---


def etsy_nodes() -> dict[str, Any]:
    def entry(node: Node) -> dict[str, Any]:
        return {
            "id": numeric_id("etsy", node),
            "level": node.level - 1,  # Etsy's roots are level 0
            "name": node.name,
            "parent_id": numeric_id("etsy", BY_KEY[node.parent_key]) if node.parent_key else None,
            "child_ids": [numeric_id("etsy", c) for c in children(node)],
            "full_path_taxonomy_ids": [numeric_id("etsy", n) for n in path(node)],
            "children": [entry(c) for c in children(node)],
        }

    roots = [entry(n) for n in children(None)]
    return {"count": len(roots), "results": roots}


def etsy_properties(taxonomy_id: str) -> dict[str, Any] | None:
    """None when the taxonomy id is unknown (Etsy answers 404); an inner node has no properties."""
    node = by_numeric_id("etsy", taxonomy_id)
    if node is None:
        return None
    results = [
        {
            "property_id": attribute_id(700, a),
            "name": a.name,
            "display_name": a.label,
            "scales": [],
            "is_required": a.mandatory,
            "supports_attributes": True,
            "supports_variations": a.name in ("size", "color_family"),
            "is_multivalued": False,
            "max_values_allowed": 1,
            "possible_values": [
                {"value_id": option_id(9000, a, o), "name": o, "scale_id": None, "equal_to": []} for o in a.options
            ],
            "selected_values": [],
        }
        for a in attributes(node)
    ]
    return {"count": len(results), "results": results}


# --- Amazon: /definitions/2020-09-01/productTypes (search) and /productTypes/{productType} ---


def amazon_search(marketplace_id: str, keywords: str) -> dict[str, Any]:
    found = [n for n in TREE if n.product_type and (not keywords or any(matches(n, k) for k in keywords.split(",")))]
    return {
        "productTypes": [
            {"name": n.product_type, "displayName": n.name, "marketplaceIds": [marketplace_id]} for n in found
        ],
        "productTypeVersion": "LATEST",
    }


def amazon_definition(product_type: str, marketplace_id: str, schema_url: str) -> dict[str, Any] | None:
    """getDefinitionsProductType; the JSON schema itself is served at `schema_url` (amazon_schema). None when the
    product type is unknown."""
    node = by_product_type(product_type)
    if node is None:
        return None
    names = ["item_name", *(a.name for a in attributes(node))]
    return {
        "metaSchema": {"link": {"resource": schema_url, "verb": "GET"}, "checksum": "sandbox"},
        "schema": {"link": {"resource": schema_url, "verb": "GET"}, "checksum": f"sandbox-{product_type}"},
        "requirements": "LISTING",
        "requirementsEnforced": "ENFORCED",
        "propertyGroups": {"product_identity": {"title": "Product identity", "propertyNames": names}},
        "locale": "en_US",
        "marketplaceIds": [marketplace_id],
        "productType": product_type,
        "displayName": node.name,
        "productTypeVersion": {"version": "LATEST", "latest": True, "releaseCandidate": False},
    }


def amazon_schema(product_type: str) -> dict[str, Any] | None:
    """The product type's JSON schema (the document `schema.link.resource` points at)."""
    node = by_product_type(product_type)
    if node is None:
        return None
    properties: dict[str, Any] = {"item_name": {"title": "Item name", "type": "array"}}
    for a in attributes(node):
        value: dict[str, Any] = {"type": "number" if a.input_type == "numeric" else "string"}
        if a.options:
            value["enum"] = list(a.options)
        properties[a.name] = {
            "title": a.label,
            "type": "array",
            "items": {"type": "object", "properties": {"value": value}, "required": ["value"]},
        }
    required = ["item_name", *(a.name for a in attributes(node) if a.mandatory)]
    return {
        "$schema": "https://schemas.amazon.com/selling-partners/definitions/product-types/meta-schema/v1",
        "$id": f"https://schemas.amazon.com/selling-partners/definitions/product-types/schema/v1/{product_type}",
        "type": "object",
        "required": required,
        "properties": properties,
    }
