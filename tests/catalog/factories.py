from decimal import Decimal

import factory

from catalog.models import Category, Product
from catalog.services import category_create, product_create


class CategoryFactory(factory.Factory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return category_create(**kwargs)


class ProductFactory(factory.Factory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    title = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("19.90")
    currency = "USD"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return product_create(**kwargs)
