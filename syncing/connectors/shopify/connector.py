"""Shopify connector: composes the GraphQL client and the payload mapping."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from .. import categories as taxonomy
from ..base import (
    AuthExpired,
    ChannelConfig,
    Connector,
    ConnectorError,
    ItemResult,
    ListingPayload,
    ListingRules,
    NotFound,
    OfferUpdate,
    Page,
    PushResult,
    RateLimit,
    Rejected,
    RemoteListing,
    RemoteOrder,
    RequestHook,
    RetryableError,
    ShopInfo,
    TokenSaver,
    iso_z,
)
from . import mapping, orders
from .client import ShopifyClient

PAGE_SIZE = 50  # products(first:) costs 2 + first points; 50 keeps a page well under the 1,000-point bucket
INVENTORY_BATCH = 250  # any input array max 250 items (docs/marketplaces/shopify.md#rate-limits)
NODES_BATCH = 50  # products read per nodes() query for update_offers: ~150 cost points, well under the bucket

Q_SHOP = "query { shop { name myshopifyDomain currencyCode } }"
# the taxonomy's categories (docs/channels.md#marketplace-categories): the roots, then each root's descendants
Q_TAXONOMY = (
    "query taxonomy($first: Int!, $under: ID, $after: String) { taxonomy { categories(first: $first, "
    "descendantsOf: $under, after: $after) { nodes { id name fullName level isLeaf parentId } "
    "pageInfo { hasNextPage endCursor } } } }"
)
Q_CATEGORY_ATTRIBUTES = (
    "query category($ids: [ID!]!) { nodes(ids: $ids) { ... on TaxonomyCategory { id attributes(first: 50) { nodes { "
    "__typename ... on TaxonomyAttribute { id name } ... on TaxonomyChoiceListAttribute { id name "
    "values(first: 250) { nodes { id name } } } } } } } }"
)
Q_LOCATIONS = "query { locations(first: 5) { nodes { id name isActive } } }"
FIELDS = mapping.PRODUCT_FIELDS
Q_PRODUCT = "query product($id: ID!) { product(id: $id) { FIELDS } }".replace("FIELDS", FIELDS)
Q_NODES = "query nodes($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { FIELDS } } }".replace("FIELDS", FIELDS)
Q_PRODUCTS = (
    "query products($first: Int!, $after: String, $query: String) {"
    " products(first: $first, after: $after, query: $query) { nodes { FIELDS } pageInfo { hasNextPage endCursor } } }"
).replace("FIELDS", FIELDS)
M_CREATE = (
    "mutation productCreate($product: ProductCreateInput!, $media: [CreateMediaInput!]) {"
    " productCreate(product: $product, media: $media) { product { FIELDS } userErrors { field message } } }"
).replace("FIELDS", FIELDS)
M_UPDATE = (
    "mutation productUpdate($product: ProductUpdateInput!) { productUpdate(product: $product)"
    " { product { FIELDS } userErrors { field message } } }"
).replace("FIELDS", FIELDS)
Q_COLLECTION = (
    "query collectionByHandle($handle: String!) { collectionByHandle(handle: $handle)"
    " { id handle title image { url } } }"
)
M_COLLECTION = (
    "mutation collectionCreate($input: CollectionInput!) { collectionCreate(input: $input)"
    " { collection { id handle title image { url } } userErrors { field message } } }"
)
M_COLLECTION_UPDATE = (
    "mutation collectionUpdate($input: CollectionInput!) { collectionUpdate(input: $input)"
    " { collection { id handle title image { url } } userErrors { field message } } }"
)
M_DELETE = (
    "mutation productDelete($input: ProductDeleteInput!) { productDelete(input: $input)"
    " { deletedProductId userErrors { field message } } }"
)
M_VARIANTS_UPDATE = (
    "mutation productVariantsBulkUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {"
    " productVariantsBulkUpdate(productId: $productId, variants: $variants)"
    " { productVariants { id sku price } userErrors { field message } } }"
)
M_VARIANTS_CREATE = (
    "mutation productVariantsBulkCreate($productId: ID!, $variants: [ProductVariantsBulkInput!]!,"
    " $strategy: ProductVariantsBulkCreateStrategy) {"
    " productVariantsBulkCreate(productId: $productId, variants: $variants, strategy: $strategy)"
    " { productVariants { id sku } userErrors { field message } } }"
)
M_INVENTORY = (
    "mutation inventorySetQuantities($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {"
    " inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey)"
    " { inventoryAdjustmentGroup { id } userErrors { code field message } } }"
)


class ShopifyConnector(Connector):
    code = "shopify"
    label = "Shopify"
    credential_fields = ("access_token",)
    optional_credential_fields = ("client_id", "client_secret", "refresh_token", "access_token_expires_at")
    sensitive_fields = frozenset({"client_secret", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=10, burst=20)
    taxonomy_page_size: ClassVar[int] = 250  # categories per taxonomy call (its `first` maximum)
    default_rules = ListingRules(title_max_length=255, max_images=250)
    page_size: ClassVar[int] = PAGE_SIZE

    def __init__(
        self, config: ChannelConfig, *, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        super().__init__(config, on_tokens=on_tokens, before_request=before_request)
        # The client checks the credentials before each request: building a connector never fails.
        self.client = ShopifyClient(config, on_tokens, before_request)
        self._location_id = ""

    def check_credentials(self) -> None:
        self.shop_info()

    def shop_info(self) -> ShopInfo:
        """The shop query: `currencyCode` (the store currency; the country is not compared, a store sells abroad)."""
        shop = self.client.graphql(Q_SHOP).get("shop") or {}
        return ShopInfo(currency=str(shop.get("currencyCode") or "").upper())

    # --- push ---

    def push_listing(self, payload: ListingPayload) -> PushResult:
        """productCreate (+ variant prices/SKUs and stock), or productUpdate + variants for an existing product."""
        collection = self._collection(payload)
        joins = {"collectionsToJoin": [collection["id"]]} if collection else {}
        if payload.external_id:
            product_input = mapping.product_input(payload) | joins
            product = self._mutate(M_UPDATE, "productUpdate", {"product": product_input})["product"]
            self._sync_variants(product, payload)
        else:
            variables = {
                "product": mapping.product_input(payload) | joins,
                "media": mapping.media_input(payload.image_urls, payload.image_alts),
            }
            product = self._mutate(M_CREATE, "productCreate", variables)["product"]
            try:
                self._sync_variants(product, payload)
            except Rejected:
                self._delete_quietly(str(product["id"]))  # no half-made product left behind
                raise
        remote = self.get_listing(str(product["id"]))
        return PushResult(
            external_id=remote.external_id,
            status=remote.status,
            external_url=str(remote.raw.get("onlineStoreUrl") or ""),
            raw_status=remote.raw_status,
            raw=remote.raw,
            marketplace_ids={**remote.marketplace_ids, **mapping.collection_ids(collection)},
        )

    def _collection(self, payload: ListingPayload) -> Mapping[str, Any] | None:
        """The collection of the payload's mapped category, found by handle or created; None when the payload
        names none (docs/marketplaces/shopify.md#collections)."""
        if not payload.collection_handle:
            return None
        image = mapping.collection_image(payload)
        found = self.client.graphql(Q_COLLECTION, {"handle": payload.collection_handle})["collectionByHandle"]
        if found:
            if image and not mapping.collection_has_image(found, payload.collection_image_url):
                variables = {"input": {"id": found["id"], **image}}
                return dict(self._mutate(M_COLLECTION_UPDATE, "collectionUpdate", variables)["collection"])
            return dict(found)
        variables = {"input": {"title": payload.collection_title, "handle": payload.collection_handle, **image}}
        return dict(self._mutate(M_COLLECTION, "collectionCreate", variables)["collection"])

    def _sync_variants(self, product: Mapping[str, Any], payload: ListingPayload) -> None:
        existing = list((product.get("variants") or {}).get("nodes") or [])
        rows = mapping.variant_rows(payload)
        product_id = str(product["id"])
        if not payload.variants and len(existing) == 1:
            pairs = [(rows[0], existing[0])]
            new_rows = []
        else:
            by_sku = {str(v.get("sku") or ""): v for v in existing}
            pairs = [(row, by_sku[row.sku]) for row in rows if row.sku in by_sku]
            new_rows = [row for row in rows if row.sku not in by_sku]
        if pairs:
            variants = [mapping.variant_input(row, str(node["id"])) for row, node in pairs]
            self._mutate(
                M_VARIANTS_UPDATE, "productVariantsBulkUpdate", {"productId": product_id, "variants": variants}
            )
            quantities = [(str(node["inventoryItem"]["id"]), row.quantity) for row, node in pairs]
            self._raise_inventory_errors(self._set_inventory(quantities))
        if new_rows:
            location = self._location()
            variables = {
                "productId": product_id,
                "variants": [mapping.variant_input(row, location_id=location) for row in new_rows],
                "strategy": "REMOVE_STANDALONE_VARIANT" if not payload.external_id else None,
            }
            self._mutate(M_VARIANTS_CREATE, "productVariantsBulkCreate", variables)

    # --- offers ---

    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        """Prices: one productVariantsBulkUpdate per product. Stock: inventorySetQuantities (<= 250 per call).

        Shopify applies a mutation all or nothing, so entries named in userErrors are dropped and the rest is
        sent once more; every item gets its own result.
        """
        failed: dict[int, ItemResult] = {}
        inventory: list[tuple[int, str, int]] = []  # (item index, inventory item id, quantity)
        by_product: dict[str, list[int]] = {}
        for index, offer in enumerate(items):
            by_product.setdefault(offer.external_id, []).append(index)
        products = self._products_by_id(list(by_product))
        for product_id, indexes in by_product.items():
            variants = self._variants_of(products.get(product_id), product_id, items, indexes, failed)
            prices = [(i, v) for i, v in variants if items[i].price is not None]
            self._update_prices(product_id, prices, items, failed)
            for i, node in variants:
                quantity = items[i].quantity
                if quantity is not None and i not in failed:
                    inventory.append((i, str(node["inventoryItem"]["id"]), quantity))
        for start in range(0, len(inventory), INVENTORY_BATCH):
            self._update_inventory(inventory[start : start + INVENTORY_BATCH], items, failed)
        return [failed.get(i, ItemResult(offer.sku, True)) for i, offer in enumerate(items)]

    def _products_by_id(self, product_ids: list[str]) -> dict[str, Mapping[str, Any]]:
        """Read many products with one nodes() query per 50 ids (unknown ids come back as null)."""
        found: dict[str, Mapping[str, Any]] = {}
        for start in range(0, len(product_ids), NODES_BATCH):
            for node in self.client.graphql(Q_NODES, {"ids": product_ids[start : start + NODES_BATCH]})["nodes"]:
                if node and node.get("id"):
                    found[str(node["id"])] = node
        return found

    def _variants_of(
        self,
        product: Mapping[str, Any] | None,
        product_id: str,
        items: Sequence[OfferUpdate],
        indexes: list[int],
        failed: dict[int, ItemResult],
    ) -> list[tuple[int, Mapping[str, Any]]]:
        if product is None:
            for i in indexes:
                failed[i] = ItemResult(
                    items[i].sku, False, "NOT_FOUND", f"Shopify product {product_id} does not exist."
                )
            return []
        nodes = (product.get("variants") or {}).get("nodes") or []
        by_sku = {str(n.get("sku") or ""): n for n in nodes}
        found = []
        for i in indexes:
            offer = items[i]
            node = by_sku.get(offer.sku) or (nodes[0] if len(nodes) == 1 else None)
            if node is None:
                failed[i] = ItemResult(offer.sku, False, "VARIANT_NOT_FOUND", f"No variant with SKU {offer.sku}.")
            else:
                found.append((i, node))
        return found

    def _update_prices(
        self,
        product_id: str,
        prices: list[tuple[int, Mapping[str, Any]]],
        items: Sequence[OfferUpdate],
        failed: dict[int, ItemResult],
    ) -> None:
        for _attempt in range(2):
            if not prices:
                return
            variants = [{"id": str(node["id"]), "price": str(items[i].price)} for i, node in prices]
            data = self.client.graphql(M_VARIANTS_UPDATE, {"productId": product_id, "variants": variants})
            errors = data["productVariantsBulkUpdate"]["userErrors"]
            if not errors:
                return
            bad = {mapping.error_index(e, "variants"): str(e.get("message")) for e in errors}
            if None in bad:  # an error about the whole call: every item of this product failed
                for i, _node in prices:
                    failed[i] = ItemResult(items[i].sku, False, "USER_ERROR", bad[None])
                return
            for position, (i, _node) in enumerate(prices):
                if position in bad:
                    failed[i] = ItemResult(items[i].sku, False, "USER_ERROR", bad[position])
            prices = [(i, node) for position, (i, node) in enumerate(prices) if position not in bad]

    def _update_inventory(
        self, entries: list[tuple[int, str, int]], items: Sequence[OfferUpdate], failed: dict[int, ItemResult]
    ) -> None:
        for _attempt in range(2):
            if not entries:
                return
            errors = self._set_inventory([(item_id, quantity) for _i, item_id, quantity in entries])
            if not errors:
                return
            bad = {mapping.error_index(e, "quantities"): str(e.get("message")) for e in errors}
            for position, (i, _item, _q) in enumerate(entries):
                if position in bad or None in bad:
                    failed[i] = ItemResult(items[i].sku, False, "USER_ERROR", bad.get(position) or bad[None])
            entries = [e for position, e in enumerate(entries) if position not in bad and None not in bad]

    def _set_inventory(self, quantities: Sequence[tuple[str, int]]) -> list[Mapping[str, Any]]:
        location = self._location()
        variables = {
            "input": {
                "name": "available",
                "reason": "correction",
                "ignoreCompareQuantity": True,  # we are the source of truth for stock; no compare-and-set
                "quantities": [
                    {"inventoryItemId": item, "locationId": location, "quantity": q} for item, q in quantities
                ],
            },
            "idempotencyKey": str(uuid.uuid4()),
        }
        data = self.client.graphql(M_INVENTORY, variables)
        return list(data["inventorySetQuantities"]["userErrors"] or [])

    def _raise_inventory_errors(self, errors: list[Mapping[str, Any]]) -> None:
        if errors:
            raise Rejected(
                "Shopify refused the stock update.", field_errors=mapping.field_errors(errors), code="USER_ERROR"
            )

    # --- reads ---

    def get_listing(self, external_id: str) -> RemoteListing:
        product = self.client.graphql(Q_PRODUCT, {"id": external_id}).get("product")
        if product is None:
            raise NotFound(f"Shopify product {external_id} does not exist.", code="NOT_FOUND")
        return mapping.to_remote(product)

    def find_by_sku(self, sku: str) -> RemoteListing | None:
        data = self.client.graphql(Q_PRODUCTS, {"first": 1, "after": None, "query": mapping.sku_search(sku)})[
            "products"
        ]
        nodes = data.get("nodes") or []
        return mapping.to_remote(nodes[0]) if nodes else None

    def pull_listings(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteListing]:
        """Search syntax `updated_at:>=` filters by update time (docs/marketplaces/shopify.md#incremental-pull)."""
        query = f"updated_at:>='{iso_z(updated_since)}'" if updated_since else None
        data = self.client.graphql(Q_PRODUCTS, {"first": self.page_size, "after": cursor, "query": query})["products"]
        info = data.get("pageInfo") or {}
        next_cursor = str(info["endCursor"]) if info.get("hasNextPage") and info.get("endCursor") else None
        return Page(items=[mapping.to_remote(node) for node in data.get("nodes") or []], next_cursor=next_cursor)

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """GraphQL `orders` by update time (docs/marketplaces/shopify.md#orders)."""
        return orders.pull_orders(self.client, cursor, updated_since)

    # --- take down ---

    def categories(self) -> list[taxonomy.RemoteCategoryNode]:
        """taxonomy.categories: the top level, then every root's descendants (250 a call)."""
        rows = []
        roots = self._taxonomy_nodes(None)
        for root in roots:
            rows += taxonomy.shopify_rows([root, *self._taxonomy_nodes(str(root["id"]))])
        return taxonomy.with_paths(rows)

    def _taxonomy_nodes(self, under: str | None) -> list[dict[str, Any]]:
        """Every page of the roots (`under` None) or of one root's descendants."""
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            data = self.client.graphql(Q_TAXONOMY, {"first": self.taxonomy_page_size, "under": under, "after": after})
            page = (data.get("taxonomy") or {}).get("categories") or {}
            nodes += page.get("nodes") or []
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor") or info["endCursor"] == after:
                return nodes
            after = info["endCursor"]

    def category_attributes(self, category_id: str) -> list[taxonomy.RemoteCategoryAttribute]:
        nodes = self.client.graphql(Q_CATEGORY_ATTRIBUTES, {"ids": [category_id]}).get("nodes") or [None]
        if not nodes[0]:
            raise NotFound(f"Shopify: no taxonomy category {category_id}.", code="NOT_FOUND")
        return taxonomy.shopify_attributes(nodes[0])

    def deactivate_listing(self, external_id: str) -> None:
        """productUpdate status ARCHIVED (productChangeStatus is removed, docs/marketplaces/shopify.md#endpoints)."""
        self._mutate(M_UPDATE, "productUpdate", {"product": {"id": external_id, "status": "ARCHIVED"}})

    def delete_listing(self, external_id: str) -> None:
        self._mutate(M_DELETE, "productDelete", {"input": {"id": external_id}})

    # --- helpers ---

    def _mutate(self, mutation: str, root: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        result = self.client.graphql(mutation, variables)[root]
        errors = result.get("userErrors") or []
        if errors:
            fields = mapping.field_errors(errors)
            if "external_id" in fields:
                raise NotFound(f"Shopify: {fields['external_id'][0]}", code="NOT_FOUND")
            message = "; ".join(str(e.get("message")) for e in errors)
            raise Rejected(f"Shopify rejected the listing: {message}", field_errors=fields, code="USER_ERROR")
        return dict(result)

    def _location(self) -> str:
        if not self._location_id:
            nodes = self.client.graphql(Q_LOCATIONS)["locations"]["nodes"]
            active = [n for n in nodes if n.get("isActive")]
            if not active:
                raise ConnectorError("The Shopify shop has no active location to hold stock.", code="NO_LOCATION")
            self._location_id = str(active[0]["id"])
        return self._location_id

    def _delete_quietly(self, product_id: str) -> None:
        try:
            self.delete_listing(product_id)
        except (ConnectorError, RetryableError, AuthExpired):
            pass  # the Rejected being raised matters more; the orphan shows up in the next pull
