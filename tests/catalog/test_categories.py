from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import AttributeDefinition, Category
from catalog.services import category_delete, category_get_or_create_path, category_update
from common.errors import ApplicationError

from .factories import CategoryFactory, ProductFactory

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


# --- category_delete ---


def test_category_delete_removes_an_empty_category_with_its_attribute_definitions():
    empty = CategoryFactory(name="Empty")
    AttributeDefinition.objects.create(category=empty, code="material", label="Material")
    category_delete(category=empty)
    assert not Category.objects.filter(pk=empty.pk).exists()
    assert not AttributeDefinition.objects.exists()


@pytest.mark.parametrize(
    ("holds_case", "expected"),
    [("products", "1 product(s)"), ("children", "1 subcategory(ies)")],
)
def test_category_delete_refuses_a_category_in_use(holds_case, expected):
    # given a category holding a product or a subcategory
    category = CategoryFactory(name="Busy")
    if holds_case == "products":
        ProductFactory(category=category)
    else:
        CategoryFactory(name="Inner", parent=category)
    # when it is deleted, then the service refuses and the category stays
    with pytest.raises(ApplicationError) as exc:
        category_delete(category=category)
    assert exc.value.extra == {"code": "protected"}
    assert expected in exc.value.message
    assert Category.objects.filter(pk=category.pk).exists()


def test_admin_delete_action_goes_through_the_service(staff_client):
    # given two empty categories and one holding a product
    first, second = CategoryFactory(name="First"), CategoryFactory(name="Second")
    busy = CategoryFactory(name="Busy")
    ProductFactory(category=busy)
    # when the admin's bulk delete runs on the empty ones
    with mock.patch("catalog.admin.services.category_delete", wraps=category_delete) as service:
        response = staff_client.post(
            reverse("admin:catalog_category_changelist"),
            {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
        )
    # then the service deleted both
    assert response.status_code == 302
    assert sorted(c.kwargs["category"].name for c in service.call_args_list) == ["First", "Second"]
    assert list(Category.objects.values_list("name", flat=True)) == ["Busy"]


def test_admin_delete_of_one_category_goes_through_the_service(staff_client):
    empty = CategoryFactory(name="Empty")
    with mock.patch("catalog.admin.services.category_delete", wraps=category_delete) as service:
        response = staff_client.post(reverse("admin:catalog_category_delete", args=[empty.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert [c.kwargs["category"].name for c in service.call_args_list] == ["Empty"]
    assert not Category.objects.exists()
