"""Writes for the category tree."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.text import slugify

from common import events
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError
from listings.services import listings_readiness_refresh_enqueue

from ..events import LISTING_INPUTS_CHANGED
from ..models import PATH_STEP, Category
from .readiness import CONTENT


def _path_for(category: Category, parent: Category | None) -> str:
    return f"{parent.path if parent else ''}{category.pk:0{PATH_STEP}d}/"


@transaction.atomic
def category_create(
    *,
    name: str,
    parent: Category | None = None,
    slug: str = "",
    sort_order: int = 0,
    is_active: bool = True,
    title_max_length: int | None = None,
    user: User = None,
) -> Category:
    category = Category(
        name=name.strip(),
        slug=slug or slugify(name),
        parent=parent,
        sort_order=sort_order,
        is_active=is_active,
        title_max_length=title_max_length,
        created_by=_actor(user),
        updated_by=_actor(user),
    )
    category.full_clean(exclude=["path"])
    category.save()
    category.path = _path_for(category, parent)
    category.depth = category.path.count("/") - 1
    category.save(update_fields=["path", "depth"])
    return category


@transaction.atomic
def category_update(*, category: Category, user: User = None, **fields: object) -> Category:
    """Update fields; a new `parent` moves the whole subtree (one UPDATE) and refuses cycles.

    A move changes which mapping and allowed category its products inherit on every channel, so the readiness
    verdicts of the subtree's listings are queued for a refresh.
    """
    old_path = category.path
    for name, value in fields.items():
        setattr(category, name, value)
    category.updated_by = _actor(user)
    category.full_clean(exclude=["path"])
    parent = Category.objects.get(pk=category.parent_id) if category.parent_id else None
    new_path = _path_for(category, parent)
    category.path = new_path
    category.depth = new_path.count("/") - 1
    category.save()
    if new_path != old_path:
        depth_shift = new_path.count("/") - old_path.count("/")
        Category.objects.filter(path__startswith=old_path).exclude(pk=category.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
            depth=F("depth") + depth_shift,
        )
        listings_readiness_refresh_enqueue(category=category)
        # its products now inherit another category mapping on each channel (docs/sync.md, "Push on change")
        events.publish(LISTING_INPUTS_CHANGED, product_ids=None, category=category, parts=frozenset({CONTENT}))
    return category


@transaction.atomic
def category_delete(*, category: Category, user: User = None) -> None:
    """Delete a category that holds no products and no subcategories; its attribute definitions and channel
    mappings go with it. A category still in use is refused (move or delete what it holds first)."""
    products = category.products.count()
    children = category.children.count()
    if products or children:
        held = " and ".join(
            text
            for count, text in ((products, f"{products} product(s)"), (children, f"{children} subcategory(ies)"))
            if count
        )
        raise ApplicationError(
            f"Category '{category.name}' still holds {held}; move or delete them first.",
            extra={"code": "protected"},
        )
    category.delete()


def category_get_or_create_path(*, names: list[str], user: User = None) -> Category:
    """Find or create 'A > B > C' level by level (used by imports)."""
    if not [n for n in names if n.strip()]:
        raise ValueError("A category path needs at least one name.")
    parent: Category | None = None
    for raw in names:
        if not raw.strip():
            continue
        name = raw.strip()
        found = Category.objects.filter(parent=parent, name__iexact=name).first()
        parent = found or category_create(name=name, parent=parent, user=user)
    return parent  # type: ignore[return-value]
