"""Deterministic demo catalog used by `seed_demo` (and by tests that need a realistic catalog)."""

import io
import random
from decimal import Decimal

from PIL import Image, ImageDraw

from .choices import AttributeType, ProductStatus
from .models import AttributeDefinition, Category, Product
from .services import category_create, image_add, product_create, variant_create
from .validators import gtin_check_digit

TREE = {
    "Fashion": {"Men": ["T-Shirts", "Jeans", "Jackets"], "Women": ["Dresses", "Tops", "Skirts"]},
    "Home & Living": {"Kitchen": ["Cookware", "Knives"], "Bedroom": ["Bedding", "Lamps"]},
    "Electronics": {"Audio": ["Headphones", "Speakers"], "Accessories": ["Chargers", "Cables"]},
    "Beauty": {"Skincare": ["Serums", "Moisturisers"], "Hair": ["Shampoo", "Brushes"]},
}
# What one product of each leaf category is called in a title (its name is a plural, or a mass noun)
ITEM_NAMES = {
    "T-Shirts": "T-Shirt",
    "Jeans": "Jeans",
    "Jackets": "Jacket",
    "Dresses": "Dress",
    "Tops": "Top",
    "Skirts": "Skirt",
    "Cookware": "Saucepan",
    "Knives": "Chef's Knife",
    "Bedding": "Duvet Cover",
    "Lamps": "Lamp",
    "Headphones": "Headphones",
    "Speakers": "Speaker",
    "Chargers": "Charger",
    "Cables": "Cable",
    "Serums": "Serum",
    "Moisturisers": "Moisturiser",
    "Shampoo": "Shampoo",
    "Brushes": "Brush",
}
BRANDS = ["Northwind", "Acme", "Bluebird", "Kaya", "Lumen", "Orchid", "Tandem", "Verde"]
ADJECTIVES = ["Classic", "Everyday", "Premium", "Organic", "Slim", "Heavy-duty", "Compact", "Soft-touch"]
COLOURS = [(220, 60, 60), (40, 110, 200), (30, 150, 90), (240, 170, 30), (120, 70, 170), (30, 30, 30)]
SIZES = ["S", "M", "L", "XL"]


def ean13(n: int) -> str:
    body = f"955{n:09d}"
    return body + str(gtin_check_digit(body))


def demo_image(colour: tuple[int, int, int], seed: int, size: int = 480) -> bytes:
    """A product shot: a coloured shape on a white background, different bytes for every seed."""
    img = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    m = 60 + seed % 40
    if seed % 2:
        draw.ellipse([m, m, size - m, size - m], fill=colour)
    else:
        draw.rounded_rectangle([m, m + 30, size - m, size - m - 30], radius=30, fill=colour)
    draw.text((m + 10, size - m - 20), f"#{seed}", fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _categories(user) -> list[Category]:
    leaves = []
    for root_name, children in TREE.items():
        root = Category.objects.filter(parent=None, name=root_name).first() or category_create(
            name=root_name, user=user
        )
        for mid_name, leaf_names in children.items():
            mid = Category.objects.filter(parent=root, name=mid_name).first() or category_create(
                name=mid_name, parent=root, user=user
            )
            for leaf_name in leaf_names:
                leaf = Category.objects.filter(parent=mid, name=leaf_name).first() or category_create(
                    name=leaf_name, parent=mid, user=user
                )
                leaves.append(leaf)
        AttributeDefinition.objects.get_or_create(
            category=root, code="material", defaults={"label": "Material", "type": AttributeType.TEXT}
        )
    fashion = Category.objects.get(parent=None, name="Fashion")
    AttributeDefinition.objects.get_or_create(
        category=fashion,
        code="gender",
        defaults={"label": "Gender", "type": AttributeType.CHOICE, "choices": ["men", "women", "unisex"]},
    )
    return leaves


def _demo_package(i: int) -> dict[str, int]:
    """Package length/width/height in mm, from the product number (not the random stream, so the demo's other
    values stay as they were)."""
    if i % 7 == 0:
        return {}
    return {"length_mm": 100 + (i * 37) % 400, "width_mm": 50 + (i * 53) % 250, "height_mm": 20 + (i * 17) % 150}


def seed_demo_catalog(*, products: int = 240, user=None, with_images: bool = True) -> dict[str, int]:
    """Create the demo catalog; rows that already exist (by SKU) are left alone, so it can run again."""
    rng = random.Random(20261123)
    leaves = _categories(user)
    existing = set(Product.objects.filter(sku__startswith="DEMO-").values_list("sku", flat=True))
    created = 0
    for i in range(1, products + 1):
        sku = f"DEMO-{i:05d}"
        leaf = leaves[i % len(leaves)]
        brand, adjective = rng.choice(BRANDS), rng.choice(ADJECTIVES)
        price = Decimal(rng.randrange(500, 25000)) / 100
        colour = COLOURS[i % len(COLOURS)]
        if sku in existing:
            continue
        attributes = {"material": rng.choice(["cotton", "steel", "plastic", "wood", "glass"])}
        if leaf.path.startswith(Category.objects.get(parent=None, name="Fashion").path):
            attributes["gender"] = rng.choice(["men", "women", "unisex"])
        product = product_create(
            user=user,
            sku=sku,
            title=f"{brand} {adjective} {ITEM_NAMES.get(leaf.name, leaf.name)} {i}",
            description=f"<p>{adjective} {leaf.name.lower()} by {brand}.</p><ul><li>Demo item {i}</li></ul>",
            brand=brand,
            manufacturer=f"{brand} Manufacturing",
            mpn=f"MPN-{i:05d}",
            barcode=ean13(i),
            category=leaf,
            price=price,
            compare_at_price=(price * Decimal("1.2")).quantize(Decimal("0.01")) if i % 3 == 0 else None,
            cost_price=(price * Decimal("0.55")).quantize(Decimal("0.01")),
            currency="USD",
            quantity=rng.randrange(0, 300),
            weight_grams=rng.randrange(80, 3000),
            # Package size (Lazada requires it); every 7th product has none, to show that readiness rule.
            **_demo_package(i),
            status=ProductStatus.ACTIVE if i % 10 else ProductStatus.DRAFT,
            attributes=attributes,
        )
        if leaf.name in ("T-Shirts", "Dresses", "Tops") and i % 2 == 0:
            for position, size in enumerate(SIZES):
                variant_create(
                    product=product,
                    user=user,
                    sku=f"{sku}-{size}",
                    options={"Size": size},
                    quantity=rng.randrange(0, 50),
                    position=position,
                )
        if with_images:
            image_add(product=product, upload=demo_image(colour, i), filename=f"{sku.lower()}-main.png", user=user)
            if i % 4 == 0:
                image_add(
                    product=product,
                    upload=demo_image(COLOURS[(i + 2) % len(COLOURS)], i + 100_000),
                    filename=f"{sku.lower()}-side.png",
                    user=user,
                )
        created += 1
    return {"created": created, "existing": len(existing)}
