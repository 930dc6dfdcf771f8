"""Set up and start sync scenarios in a *separate* database, for the multi-process reliability tests.

Run as `python -m tests.syncing.engine.scenario <command> <json-args>` with DATABASE_URL pointing at the
scenario's SQLite file; prints one JSON line. The test process itself never opens that database through Django
(it reads it with sqlite3), so pytest-django's test database stays untouched.
"""

import json
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def create(args: dict) -> dict:
    from decimal import Decimal

    from catalog.choices import ProductStatus
    from catalog.demo import demo_image
    from catalog.services import category_create, image_add, product_create
    from channels.services import category_mapping_set, channel_create
    from listings.services import listing_create

    channel = channel_create(
        name=f"Lazada MY {args.get('name', 'scenario')}",
        marketplace="lazada",
        country="MY",
        currency="MYR",
        language="en",
        base_url=args["base_url"],
        shop_id=args["shop_id"],
        credentials=args["credentials"],
        rate_limit_per_second=args.get("rate", 50),
        rate_limit_burst=args.get("burst", 5),
    )
    category = category_create(name="Scenario category")
    category_mapping_set(channel=channel, category=category, external_category_id=args.get("category_id", "10000123"))
    image = demo_image((40, 110, 200), 7, size=1000)
    ids = []
    for n in range(args["count"]):
        product = product_create(
            sku=f"{args.get('prefix', 'REL')}-{n:05d}",
            title=f"Reliability product {n}",
            description="<p>Scenario product.</p>",
            brand="Acme",
            price=Decimal("20.00"),
            currency="MYR",
            quantity=10,
            status=ProductStatus.ACTIVE,
            category=category,
            weight_grams=500,
            length_mm=200,
            width_mm=100,
            height_mm=50,
        )
        image_add(product=product, upload=image, filename=f"main-{n}.png")
        ids.append(listing_create(product=product, channel=channel).pk)
    return {"channel_id": channel.pk, "listing_ids": ids}


def create_many(args: dict) -> dict:
    """Like `create`, but copies the first product with bulk inserts (benchmark set-up of thousands of rows).

    The copies share the first product's stored image file and its recorded metadata, so readiness sees the same
    valid image; only the set-up bypasses the services, the sync under test does not.
    """
    from django.db import transaction

    from catalog.models import Product, ProductImage
    from listings.models import Listing

    count = args["count"]
    first = create({**args, "count": 1})
    listing = Listing.objects.select_related("product").get(pk=first["listing_ids"][0])
    template = listing.product
    image = ProductImage.objects.get(product=template)
    prefix = args.get("prefix", "REL")
    with transaction.atomic():
        products = Product.objects.bulk_create(
            [
                Product(
                    sku=f"{prefix}-{n:05d}",
                    title=f"Reliability product {n}",
                    description=template.description,
                    brand=template.brand,
                    price=template.price,
                    currency=template.currency,
                    quantity=template.quantity,
                    status=template.status,
                    category=template.category,
                    weight_grams=template.weight_grams,
                    length_mm=template.length_mm,
                    width_mm=template.width_mm,
                    height_mm=template.height_mm,
                )
                for n in range(1, count)
            ],
            batch_size=500,
        )
        ProductImage.objects.bulk_create(
            [
                ProductImage(
                    product=product,
                    image=image.image.name,
                    original_filename=image.original_filename,
                    sha256=image.sha256,
                    width=image.width,
                    height=image.height,
                    file_size=image.file_size,
                    is_primary=True,
                    metadata=image.metadata,
                )
                for product in products
            ],
            batch_size=500,
        )
        listings = Listing.objects.bulk_create(
            [Listing(product=product, channel_id=first["channel_id"]) for product in products], batch_size=500
        )
    return {"channel_id": first["channel_id"], "listing_ids": first["listing_ids"] + [x.pk for x in listings]}


def publish(args: dict) -> dict:
    from channels.models import Channel
    from syncing.services import listings_publish

    channel = Channel.objects.get(pk=args["channel_id"])
    job = listings_publish(channel=channel, listing_ids=args["listing_ids"])
    return {"job_id": job.pk}


def push_twice(args: dict) -> dict:
    """Queue two deliveries of the same listing push side by side (what a duplicate delivery looks like)."""
    from django.db import transaction

    from common.enqueue import enqueue
    from syncing.tasks import sync_listing_push_task

    out = publish(args)
    with transaction.atomic():
        for listing_id in args["listing_ids"]:
            enqueue(sync_listing_push_task, out["job_id"], listing_id)
    return out


def edit_prices(args: dict) -> dict:
    """A person saves a new price on each listing's product (push on change marks and queues them)."""
    from decimal import Decimal

    from catalog.services import product_update
    from listings.models import Listing

    for listing in Listing.objects.select_related("product").filter(pk__in=args["listing_ids"]):
        product_update(product=listing.product, price=Decimal(args["price"]))
    return {"edited": len(args["listing_ids"])}


COMMANDS = {
    "create": create,
    "create_many": create_many,
    "publish": publish,
    "push_twice": push_twice,
    "edit_prices": edit_prices,
}


if __name__ == "__main__":
    _setup()
    result = COMMANDS[sys.argv[1]](json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
    print(json.dumps(result))
