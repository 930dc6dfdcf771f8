import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.audit import MASK, audit_actor, audit_record_bulk, audit_request, snapshot
from accounts.models import AuditEntry
from accounts.selectors import audit_for
from catalog.demo import demo_image
from catalog.models import Category, Product, ProductImage, Variant
from catalog.services import (
    category_create,
    category_update,
    image_add,
    image_delete,
    product_update,
    variant_create,
    variant_delete,
    variant_update,
)
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def entries_for(model, pk=None):
    qs = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model)).order_by("id")
    return list(qs.filter(object_id=str(pk)) if pk is not None else qs)


def test_product_create_update_delete_are_recorded_with_field_changes():
    # given / when
    product = ProductFactory(sku="AUD-1", title="Mug")
    product_update(product=product, title="Big mug", price=Decimal("21.50"))
    pk = product.pk
    Product.objects.get(pk=pk).delete()
    # then
    create, update, delete = entries_for(Product, pk)
    assert (create.action, update.action, delete.action) == ("create", "update", "delete")
    assert create.changes["sku"] == [None, "AUD-1"]
    assert update.changes["title"] == ["Mug", "Big mug"]
    assert update.changes["price"] == ["19.90", "21.50"]
    assert "sku" not in update.changes
    assert delete.changes["title"] == ["Big mug", None]
    assert delete.object_repr
    assert (create.actor_kind, create.actor_label, create.actor) == ("system", "system", None)


def test_saving_without_changes_writes_no_update_entry():
    product = ProductFactory()
    product_update(product=product, title=product.title)
    assert [e.action for e in entries_for(Product, product.pk)] == ["create"]


def test_variant_and_category_changes_are_recorded():
    category = category_create(name="Kitchen")
    category_update(category=category, name="Kitchenware")
    product = ProductFactory()
    variant = variant_create(product=product, sku="AUD-V1", price=Decimal("3.00"), quantity=2)
    variant_update(variant=variant, quantity=7)
    variant_delete(variant=variant)

    assert [e.action for e in entries_for(Category, category.pk)] == ["create", "update"]
    assert entries_for(Category, category.pk)[1].changes["name"] == ["Kitchen", "Kitchenware"]
    actions = [(e.action, e.changes.get("quantity")) for e in entries_for(Variant, variant.pk)]
    assert actions == [("create", [None, 2]), ("update", [2, 7]), ("delete", [7, None])]


def test_product_image_add_and_delete_are_recorded():
    product = ProductFactory()
    image = image_add(product=product, upload=demo_image((10, 20, 30), 1), filename="a.png")
    image_delete(image=image)
    created, deleted = entries_for(ProductImage, image.pk)
    assert created.action == "create"
    assert created.changes["product"] == [None, product.pk]
    assert created.changes["image"][1].endswith(".png")
    assert deleted.action == "delete"


def test_user_changes_mask_the_password_and_ignore_last_login():
    user = User.objects.create_user("carol", "c@example.com", "first-Password-1")
    user.set_password("second-Password-2")
    user.last_login = timezone.now()
    user.save()
    create, update = entries_for(User, user.pk)
    assert create.changes["password"] == [None, MASK]
    assert update.changes == {"password": [MASK, MASK]}
    assert "first-Password-1" not in str(create.changes)
    assert "pbkdf2" not in str(create.changes)
    assert "md5" not in str(create.changes)


def test_secret_keys_inside_json_values_are_masked():
    product = ProductFactory(attributes={})
    snap = snapshot(product)
    assert "attributes" in snap
    product.attributes = {"api_key": "abc", "colour": "red", "nested": {"client_secret": "xyz"}}
    masked = snapshot(product)["attributes"]
    assert masked == {"api_key": MASK, "colour": "red", "nested": {"client_secret": MASK}}


@pytest.mark.parametrize(
    ("kind_case", "label"),
    [("job", "nightly reprice"), ("import", "import batch #7"), ("sync", "sync job #3"), ("system", "migration")],
)
def test_actor_context_manager_attributes_changes(kind_case, label, editor_user):
    with audit_actor(kind_case, label, user=editor_user):
        product = ProductFactory()
    entry = entries_for(Product, product.pk)[0]
    assert (entry.actor_kind, entry.actor_label, entry.actor) == (kind_case, label, editor_user)


def test_actor_context_resets_after_the_block():
    with audit_actor("job", "outer"):
        pass
    product = ProductFactory()
    assert entries_for(Product, product.pk)[0].actor_kind == "system"


def test_unknown_actor_kind_is_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="user, job, import, sync, system"), audit_actor("robot", "x"):
        pass


def test_request_actor_is_the_logged_in_user(editor_user):
    request = RequestFactory().post("/x")
    request.user = editor_user
    with audit_request(request):
        product = ProductFactory()
    entry = entries_for(Product, product.pk)[0]
    assert (entry.actor_kind, entry.actor_label, entry.actor) == ("user", "editor1", editor_user)


def test_change_through_the_admin_records_the_user_and_request_id(staff_client, admin_user):
    product = ProductFactory(title="Old")
    response = staff_client.get(reverse("admin:catalog_product_changelist"), HTTP_X_REQUEST_ID="req-abc-123456")
    assert response["X-Request-ID"] == "req-abc-123456"
    response = staff_client.post(
        reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}, HTTP_X_REQUEST_ID="req-del-123456"
    )
    assert response.status_code == 302
    entry = entries_for(Product, product.pk)[-1]
    assert (entry.action, entry.actor, entry.actor_kind, entry.request_id) == (
        "delete",
        admin_user,
        "user",
        "req-del-123456",
    )


def test_bulk_record_writes_one_entry_per_row_with_the_current_actor():
    products = [ProductFactory(), ProductFactory()]
    AuditEntry.objects.all().delete()
    with audit_actor("import", "import batch #9"):
        written = audit_record_bulk(Product, products, "create")
        audit_record_bulk(Product, [(products[0], {"price": ["1.00", "2.00"]})], "update")
    assert written == 2
    entries = entries_for(Product)
    assert [(e.action, e.actor_kind, e.actor_label) for e in entries] == [
        ("create", "import", "import batch #9"),
        ("create", "import", "import batch #9"),
        ("update", "import", "import batch #9"),
    ]
    assert entries[0].changes["sku"] == [None, products[0].sku]
    assert entries[2].changes == {"price": ["1.00", "2.00"]}


def test_audit_for_and_template_tag_show_history_newest_first(viewer_user):
    product = ProductFactory(title="One")
    product_update(product=product, title="Two")
    history = audit_for(product)
    assert [e.action for e in history] == ["update", "create"]
    request = RequestFactory().get("/")
    request.user = viewer_user
    html = Template("{% load audit_tags %}{% audit_history product %}").render(
        Context({"product": product, "request": request})
    )
    assert "One → Two" in html
    assert html.count("<tr>") == 3  # header + two entries


def test_audit_log_page_searches_and_filters(client, viewer_user):
    keep = ProductFactory(title="Findable teapot")
    ProductFactory(title="Other thing")
    product_update(product=keep, title="Findable teapot XL")
    client.force_login(viewer_user)
    response = client.get(reverse("accounts:auditentry_list"), {"q": "teapot", "action": "update"})
    assert response.status_code == 200
    rows = list(response.context["object_list"])
    assert [(e.object_id, e.action) for e in rows] == [(str(keep.pk), "update")]
    by_model = client.get(reverse("accounts:auditentry_list"), {"model": "product"}).context["object_list"]
    assert {e.content_type.model for e in by_model} == {"product"}


def test_audit_log_page_rejects_a_bad_date_with_a_message(client, viewer_user):
    client.force_login(viewer_user)
    response = client.get(reverse("accounts:auditentry_list"), {"since": "yesterday"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_audit_entries_cannot_be_added_changed_or_deleted_in_admin(staff_client):
    product = ProductFactory()
    entry = entries_for(Product, product.pk)[0]
    assert staff_client.get(reverse("admin:accounts_auditentry_add")).status_code == 403
    change = staff_client.post(reverse("admin:accounts_auditentry_change", args=[entry.pk]), {"action": "delete"})
    assert change.status_code in (200, 403)
    delete = staff_client.post(reverse("admin:accounts_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "create"


def test_prune_command_removes_only_entries_past_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    ProductFactory()
    ProductFactory()
    old, recent = AuditEntry.objects.order_by("id")[:2]
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    out = io.StringIO()
    call_command("audit_prune", stdout=out)
    assert "deleted 1 audit entries older than 30 days" in out.getvalue()
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]


def test_audit_suspended_records_nothing_inside_the_block():
    from accounts.audit import audit_suspended

    with audit_suspended():
        product = ProductFactory()
        product_update(product=product, title="Quiet")
    product_update(product=product, title="Loud")
    assert [(e.action, e.changes) for e in entries_for(Product, product.pk)] == [
        ("update", {"title": ["Quiet", "Loud"]})
    ]


def test_audit_log_pages_without_counting(client, viewer_user, settings):
    from accounts.views import AuditEntryListView

    for _ in range(3):
        ProductFactory()
    client.force_login(viewer_user)
    AuditEntryListView.page_size, old = 2, AuditEntryListView.page_size
    try:
        first = client.get(reverse("accounts:auditentry_list"), {"model": "product"})
        second = client.get(reverse("accounts:auditentry_list"), {"model": "product", "page": "2"})
        junk = client.get(reverse("accounts:auditentry_list"), {"page": "x"})
    finally:
        AuditEntryListView.page_size = old
    assert [len(first.context["object_list"]), first.context["next_page"], first.context["previous_page"]] == [
        2,
        2,
        None,
    ]
    assert [len(second.context["object_list"]), second.context["next_page"], second.context["previous_page"]] == [
        1,
        None,
        1,
    ]
    assert junk.context["page"] == 1
    ids = [e.pk for e in first.context["object_list"]] + [e.pk for e in second.context["object_list"]]
    assert ids == sorted(ids, reverse=True)
    assert "model=product&amp;page=2" in first.content.decode()


def test_audit_log_rows_summarise_changes():
    from accounts.views import changes_summary

    many = {f"f{i}": [i, i + 1] for i in range(8)}
    assert changes_summary({"title": ["A", "B"], "brand": [None, "Acme"]}) == "title: A → B; brand: — → Acme"
    assert changes_summary(many).endswith("f5: 5 → 6; +2 more")
    assert changes_summary({"description": [None, "x" * 100]}) == "description: — → " + "x" * 59 + "…"


@pytest.mark.django_db
def test_audit_entries_carry_one_index_on_content_type():
    # given the audit table as migrated
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEntry._meta.db_table)

    # then one index starts with content_type_id, the object history index (each index costs every audit write)
    leading = [c["columns"] for c in constraints.values() if c["index"] and c["columns"][:1] == ["content_type_id"]]
    assert leading == [["content_type_id", "object_id", "created_at"]]
