"""Names of the events catalog services publish (common.events); upper apps subscribe to them."""

# A product is about to be archived (published inside product_update's transaction, before the save). Payload:
# product (Product), user, deactivate_listings (bool: the caller asked to take its listings off the
# marketplaces). The syncing app subscribes: it refuses the archive while the product is on a marketplace and
# the caller did not ask, and otherwise starts the deactivation jobs (docs/sync.md#deactivation). A handler's
# ApplicationError rolls the archive back.
PRODUCT_ARCHIVING = "catalog.product_archiving"

# An import is about to archive existing products (its check phase; no product is written yet). Payload:
# product_ids (list[int]), refusals (dict[int, str]): a handler adds product id -> why it may not be archived
# here (e.g. "on Shopify US"), and the import refuses those rows with that message.
PRODUCTS_ARCHIVING_CHECK = "catalog.products_archiving_check"

# Products changed in a way that may change what their listings send to a marketplace (docs/sync.md,
# "Push on change"). Payload: product_ids (collection of int, or None with `category`), category (Category |
# None: every product in that subtree), parts (frozenset of "offers" / "content").
LISTING_INPUTS_CHANGED = "catalog.listing_inputs_changed"

# A product or a variant was created one at a time (product_create, variant_create; imports write in bulk and
# publish nothing). Payload: product (Product) or variant (Variant). The inventory app subscribes: it opens the
# item's stock row with its quantity (docs/orders.md).
STOCK_ITEM_CREATED = "catalog.stock_item_created"

# A product is about to be deleted (published inside product_delete's transaction, before the delete). Payload:
# product (Product), user. The listings app subscribes: it refuses (ApplicationError, code "listed") while a
# marketplace holds one of the product's listings, naming them, and otherwise deletes its remaining listings.
PRODUCT_DELETING = "catalog.product_deleting"

# Product or variant prices (or a product's cost_price) changed, so the effective price or the margin of their
# listings may have moved (the price history and stored margins, docs/pricing.md#price-history).
# Payload: product_ids (list of int), source (str: "import",
# "rollback", or "" for the running writer's label, common/changes.py), user.
PRICES_CHANGED = "catalog.prices_changed"
# An import wrote the `quantity` column of products or variants (its commit, per written chunk, inside the chunk's
# transaction). Payload: batch (ImportBatch), items (list of dicts: product_id, variant_id (None for a product
# row), sku, quantity, row), undo (bool, optional: True when an undo of the batch restored these figures).
# The inventory app subscribes: each becomes an `import` movement of the stock ledger,
# so that the ledger explains the figure (docs/orders.md#import-quantities).
STOCK_QUANTITIES_IMPORTED = "catalog.stock_quantities_imported"
