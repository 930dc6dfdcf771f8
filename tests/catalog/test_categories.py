import pytest
from django.core.exceptions import ValidationError

from catalog.models import Category
from catalog.services import category_get_or_create_path, category_update

from .factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_tree_paths_and_full_name():
    a = CategoryFactory(name="A")
    b = CategoryFactory(name="B", parent=a)
    c = CategoryFactory(name="C", parent=b)
    assert c.full_name == "A > B > C"
    assert c.depth == 2
    assert list(a.descendants()) == [b, c]


def test_moving_a_subtree_rewrites_descendant_paths():
    a, x = CategoryFactory(name="A"), CategoryFactory(name="X")
    b = CategoryFactory(name="B", parent=a)
    c = CategoryFactory(name="C", parent=b)
    category_update(category=b, parent=x)
    c.refresh_from_db()
    assert c.full_name == "X > B > C"
    assert c.path.startswith(x.path)
    assert c.depth == 2
    assert list(a.descendants()) == []


def test_moving_a_category_under_its_descendant_is_refused():
    a = CategoryFactory(name="A")
    b = CategoryFactory(name="B", parent=a)
    c = CategoryFactory(name="C", parent=b)
    with pytest.raises(ValidationError) as exc:
        category_update(category=Category.objects.get(pk=a.pk), parent=c)
    assert "cycle" in exc.value.message_dict["parent"][0]
    a.refresh_from_db()
    assert a.parent is None


def test_category_cannot_be_its_own_parent():
    a = CategoryFactory(name="A")
    with pytest.raises(ValidationError):
        category_update(category=a, parent=a)


def test_get_or_create_path_reuses_existing_levels():
    first = category_get_or_create_path(names=["Home", "Kitchen", "Knives"])
    again = category_get_or_create_path(names=[" home ", "KITCHEN", "Knives"])
    assert first == again
    assert Category.objects.count() == 3
