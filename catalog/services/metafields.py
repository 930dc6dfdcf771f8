"""Writes for metafield definitions (docs/catalog.md#metafields), and for a product's values on their own."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError
from listings.services import listings_readiness_refresh_enqueue

from ..choices import MetafieldOwner
from ..metafields import full_key
from ..models import MetafieldDefinition, Product, Variant
from .products import product_update

DEFINITION_FIELDS = frozenset(
    {"owner_type", "namespace", "key", "name", "description", "type", "validations", "is_required"}
)
IDENTITY_FIELDS = ("owner_type", "namespace", "key", "type")  # fixed once values exist


def _values_count(definition: MetafieldDefinition) -> int:
    model = Variant if definition.owner_type == MetafieldOwner.VARIANT else Product
    return model.objects.filter(metafields__has_key=full_key(definition)).count()


def _check(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - DEFINITION_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown metafield definition field(s): {', '.join(unknown)}.")


@transaction.atomic
def metafield_definition_create(*, user: User = None, **fields: Any) -> MetafieldDefinition:
    _check(fields)
    definition = MetafieldDefinition(**fields)
    definition.created_by = definition.updated_by = _actor(user)
    definition.full_clean()
    definition.save()
    if definition.is_required:
        listings_readiness_refresh_enqueue()
    return definition


@transaction.atomic
def metafield_definition_update(
    *, definition: MetafieldDefinition, user: User = None, **fields: Any
) -> MetafieldDefinition:
    """Change a definition; its owner, namespace, key and type are fixed once a product or variant has a value."""
    _check(fields)
    stored = MetafieldDefinition.objects.get(pk=definition.pk)
    moved = [n for n in IDENTITY_FIELDS if n in fields and fields[n] != getattr(stored, n)]
    if moved:
        count = _values_count(stored)
        if count:
            raise ApplicationError(
                f"{full_key(stored)} has values on {count} item(s); its {', '.join(moved)} cannot change. "
                "Create a new definition instead.",
                extra={"code": "metafield_in_use"},
            )
    for name, value in fields.items():
        setattr(definition, name, value)
    definition.updated_by = _actor(user)
    definition.full_clean()
    definition.save()
    if stored.is_required != definition.is_required:
        listings_readiness_refresh_enqueue()
    return definition


@transaction.atomic
def metafield_definition_delete(*, definition: MetafieldDefinition, user: User = None) -> None:
    """Delete a definition no product or variant has a value for (otherwise 409 naming how many have one)."""
    count = _values_count(definition)
    if count:
        raise ApplicationError(
            f"{full_key(definition)} has values on {count} item(s); clear them before deleting the definition.",
            extra={"code": "protected"},
        )
    was_required = definition.is_required
    definition.delete()
    if was_required:
        listings_readiness_refresh_enqueue()


@transaction.atomic
def product_metafields_update(
    *,
    product: Product,
    values: Mapping[str, Any],
    user: User = None,
    expected_version: int | None = None,
) -> Product:
    """Set or clear (None or "") some of a product's metafields by "namespace.key", keeping the others.

    The metafields page and `PATCH /api/v1/products/{id}/metafields/` send only what they show, so the values are
    merged into the stored ones (read locked, not the caller's copy) and written by `product_update`: type and
    validation checks, the optimistic lock, readiness, push on change and a content version all follow."""
    if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
        raise ApplicationError('Metafield values must be an object of "namespace.key": value pairs.')
    stored = Product.objects.select_for_update().values_list("metafields", flat=True).get(pk=product.pk)
    merged = dict(stored or {})
    for name, value in values.items():
        if value is None or value == "":
            merged.pop(name, None)
        else:
            merged[name] = value
    return product_update(product=product, user=user, expected_version=expected_version, metafields=merged)
