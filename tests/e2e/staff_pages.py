"""Every staff page, taken from the URL table: the GET-able views under config/urls.py outside the admin, the
API and the marketplace webhooks. Each one is either in PAGES (how to fill its URL kwargs from the objects
`seed()` makes, plus the password reset token the test makes after logging in) or in EXCLUDED (why it is not a
page to look at); tests/config/test_staff_page_list.py checks that the two lists cover the URL table, so a new
page fails until it is listed here."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

# URL prefixes that hold no staff page (Django admin, DRF, marketplace pushes)
NOT_STAFF = ("admin/", "api/", "webhooks/")

# url name -> {url kwarg: key of the dict `seed()` returns}
PAGES: dict[str, dict[str, str]] = {
    "dashboard": {},
    "accounts:login": {},
    "accounts:password_change": {},
    "accounts:password_change_done": {},
    "accounts:password_reset": {},
    "accounts:password_reset_done": {},
    "accounts:password_reset_confirm": {"uidb64": "uidb64", "token": "reset_token"},
    "accounts:password_reset_complete": {},
    "accounts:security": {},
    "accounts:user_list": {},
    "accounts:auditentry_list": {},
    "catalog:category_list": {},
    "catalog:category_detail": {"pk": "category"},
    "catalog:product_list": {},
    "catalog:product_bulk_edit": {},
    "catalog:product_create": {},
    "catalog:product_detail": {"pk": "product"},
    "catalog:product_archive": {"pk": "product"},
    "catalog:product_duplicate": {"pk": "product"},
    "catalog:product_list_on": {"pk": "product"},
    "catalog:product_delete": {"pk": "product"},
    "catalog:product_update": {"pk": "product"},
    "catalog:product_metafields": {"pk": "product"},
    "imports:upload": {},
    "imports:batch_detail": {"pk": "batch"},
    "channels:channel_list": {},
    "channels:channel_create": {},
    "channels:channel_detail": {"pk": "channel"},
    "channels:channel_update": {"pk": "channel"},
    "channels:attribute_mapping_list": {"pk": "channel"},
    "listings:listing_list": {},
    "listings:listing_matrix": {},
    "listings:listing_detail": {"pk": "listing"},
    "listings:listing_deactivate": {"pk": "listing"},
    "listings:product_delist": {"product_pk": "product"},
    "listings:listing_history": {"pk": "listing"},
    "listings:listing_compare": {"pk": "listing"},
    "listings:product_history": {"pk": "product"},
    "listings:product_compare": {"pk": "product"},
    "listings:changeset_list": {},
    "listings:changeset_undo": {"pk": "changeset"},
    "syncing:job_list": {},
    "syncing:job_detail": {"pk": "job"},
    "syncing:event_list": {},
    "intake:item_list": {},
    "intake:item_upload": {},
    "intake:item_detail": {"pk": "intake_item"},
    "orders:order_list": {},
    "orders:order_detail": {"pk": "order"},
    "orders:line_order": {"pk": "order_line"},
    "orders:customer_list": {},
    "orders:customer_detail": {"pk": "customer"},
    "inventory:stock_list": {},
    "inventory:stock_low": {},
    "inventory:stock_oversold": {},
    "inventory:stock_detail": {"pk": "stock"},
    "analytics:daily_stats": {},
    "analytics:performance_movers": {},
    "analytics:report_schedule_list": {},
    "analytics:attribution_list": {},
    "analytics:listing_keywords": {"pk": "listing"},
    "operations:job_list": {},
    "operations:job_detail": {"public_id": "ops_job"},
    "operations:health": {},
    "operations:systemlog_list": {},
    "operations:tables": {},
    "operations:backup_list": {},
    "operations:feed_list": {},
    "operations:feed_create": {},
    "operations:feed_edit": {"pk": "feed"},
    "operations:settings": {},
    "operations:notification_list": {},
    "costs:index": {},
    "costs:supplier_list": {},
    "costs:supplier_create": {},
    "costs:supplier_detail": {"pk": "supplier"},
    "costs:supplier_update": {"pk": "supplier"},
    "costs:component_list": {},
    "costs:component_create": {},
    "costs:component_detail": {"pk": "component"},
    "costs:component_update": {"pk": "component"},
    "costs:price_create": {"component_pk": "component"},
    "costs:price_update": {"pk": "component_price"},
    "costs:product_bom": {"pk": "product"},
    "costs:alert_list": {},
    "pricing:pricing_table": {},
    "pricing:fee_list": {},
    "pricing:fee_create": {},
    "pricing:fee_update": {"pk": "fee"},
    "pricing:rule_list": {},
    "pricing:rule_create": {},
    "pricing:rule_update": {"pk": "price_rule"},
    "competitors:competitor_list": {},
    "competitors:competitor_create": {},
    "competitors:competitor_detail": {"pk": "competitor"},
    "competitors:alert_list": {},
    "workflow:task_list": {},
    "workflow:board": {},
    "workflow:task_create": {},
    "workflow:task_detail": {"pk": "task"},
    "workflow:task_update": {"pk": "task"},
    "workflow:stage_list": {},
    "workflow:stage_create": {},
    "workflow:stage_update": {"pk": "stage"},
    "workflow:stage_delete": {"pk": "stage"},
    "workflow:rule_list": {},
    "workflow:rule_create": {},
    "workflow:rule_detail": {"pk": "rule"},
    "workflow:rule_update": {"pk": "rule"},
    "workflow:rule_dry_run": {"pk": "rule"},
    "workflow:rule_delete": {"pk": "rule"},
}

# pages worth a second look with a query string (another form or filter state)
EXTRA_URLS = [
    "/channels/new/?marketplace=shopee",
    "/catalog/bulk-edit/?rows=listings",
    "/catalog/products/?q=acme&status=active",
]

# url name -> why the phone check does not open it
EXCLUDED: dict[str, str] = {
    "healthz": "JSON liveness probe, not a page",
    "imports:template": "download: the import template workbook",
    "imports:product_export": "download: the product export workbook",
    "imports:listing_export": "download: the listing export workbook",
    "imports:batch_errors": "download: the batch's error workbook",
    "imports:batch_status": "fragment polled by the batch page (checked there)",
    "listings:listing_cell": "fragment of the matrix (checked with listings:listing_matrix)",
    "syncing:job_progress": "fragment polled by the job page (checked with syncing:job_detail)",
    "intake:list_status": "fragment polled by the intake list (checked with intake:item_list)",
    "intake:item_status": "fragment polled by the intake item page (checked with intake:item_detail)",
    "intake:photo": "serves the photo's image bytes",
    "operations:job_progress": "fragment polled by the job page (checked with operations:job_detail)",
    "operations:notification_unread": "JSON count polled by the bell in the header",
    "channels:remote_category_attributes": "fragment the mapping editor loads into a row's attributes (checked "
    "by tests/e2e/test_remote_category_picker.py)",
}


def _walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern), entry.callback


def staff_get_urls() -> dict[str, str]:
    """Name -> route of every named URL outside NOT_STAFF that answers GET (a view class with `get` among its
    allowed methods, or a function view, which takes any method); POST-only actions are left out."""
    found = {}
    for name, route, callback in _walk(get_resolver().url_patterns, "", None):
        if route.startswith(NOT_STAFF):
            continue
        view_class = getattr(callback, "view_class", None)
        if view_class is None or (hasattr(view_class, "get") and "get" in view_class.http_method_names):
            found[name] = route
    return found


def seed(*, user, make_listing, make_listable_product) -> dict[str, Any]:
    """One of every object the staff pages show, with long unbroken words where a seller's text goes; returns
    the values PAGES fills URL kwargs from."""
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from catalog.models import ImportBatch
    from catalog.services import variant_create
    from competitors.models import Alert, Competitor
    from intake.models import IntakeItem
    from inventory.models import Component, ComponentPrice, Stock, Supplier
    from listings.services.versions import changeset_open
    from operations.models import Feed, Job
    from orders.models import Customer, Order, OrderLine
    from pricing.models import ChannelFee, PriceRule
    from syncing.models import SyncEvent, SyncJob
    from tests.workflow.conftest import ensure_default_stages
    from workflow.rule_services import automation_rule_create
    from workflow.services import task_create

    long_word = "extraordinarilylongunbrokenproductnamewithoutanyspacesatall"
    product = make_listable_product(title=f"Acme {long_word} skirt")
    variant_create(product=product, sku="PHONE-SK-RED", options={"Colour": "Red"}, barcode="5901234123457")
    variant_create(product=product, sku="PHONE-SK-BLUE", options={"Colour": "Blue"}, barcode="5901234123464")
    listing = make_listing(product=product)
    channel = listing.channel
    now = timezone.now()
    job = SyncJob.objects.create(channel=channel, kind="push", total=1, failed=1)
    SyncEvent.objects.create(
        channel=channel,
        listing=listing,
        job=job,
        operation="create",
        outcome="rejected",
        message="A long marketplace message " * 8,
        http_status=400,
        error_code="E_TITLE",
    )
    batch = ImportBatch.objects.create(
        token="phone-batch",
        file="imports/x.csv",
        original_filename=f"{long_word}.csv",
        file_format="csv",
        status="committed",
        created_count=1,
    )
    customer = Customer.objects.create(channel=channel, buyer_id=f"buyer-{long_word}", name=f"Jo {long_word}")
    order = Order.objects.create(
        channel=channel, external_id="ORD-1", status="paid", currency="USD", last_seen_at=now, customer=customer
    )
    line = OrderLine.objects.create(
        order=order, external_line_id="L-1", sku=product.sku, quantity=1, title=product.title
    )
    stock = Stock.objects.filter(variant__sku="PHONE-SK-RED").first() or Stock.objects.create(
        product=product, variant=product.variants.get(sku="PHONE-SK-RED"), sku="PHONE-SK-RED", on_hand=3
    )
    supplier = Supplier.objects.create(name=f"Supplier {long_word}")
    component = Component.objects.create(name=f"Component {long_word}")
    price = ComponentPrice.objects.create(
        component=component, supplier=supplier, unit_cost=Decimal("1.50"), valid_from=date(2026, 1, 1)
    )
    competitor = Competitor.objects.create(
        channel=channel, marketplace="amazon", item_id="B0PHONE", title=f"Rival {long_word}", seller_name=long_word
    )
    Alert.objects.create(competitor=competitor, alert_type="price_drop", first_seen_at=now, last_seen_at=now)
    stages = ensure_default_stages()
    task = task_create(stage=stages["Backlog"], title=f"Fix {long_word}", listings=[listing])
    rule = automation_rule_create(
        name=f"Price watch {long_word}",
        trigger_type="threshold",
        trigger_config={"metric": "price", "operator": "gt", "value": 5},
        action_type="tag_listing",
        action_config={"tag": "watch"},
        cooldown_minutes=0,
    )
    return {
        "product": product.pk,
        "category": product.category_id,
        "channel": channel.pk,
        "listing": listing.pk,
        "job": job.pk,
        "batch": batch.pk,
        "intake_item": IntakeItem.objects.create(owner=user, hint_name=long_word).pk,
        "order": order.pk,
        "order_line": line.pk,
        "customer": customer.pk,
        "stock": stock.pk,
        "ops_job": Job.objects.create(type="feed_run", status="succeeded", started_at=now, finished_at=now).public_id,
        "feed": Feed.objects.create(
            name=f"Feed {long_word}", source_type="upload", mapping={"sku": {"from": "sku"}}
        ).pk,
        "supplier": supplier.pk,
        "component": component.pk,
        "component_price": price.pk,
        "fee": ChannelFee.objects.create(channel=channel).pk,
        "price_rule": PriceRule.objects.create(name=f"Floor {long_word}", rule_type="margin_floor").pk,
        "competitor": competitor.pk,
        "task": task.pk,
        "stage": stages["Backlog"].pk,
        "rule": rule.pk,
        "changeset": changeset_open(kind="bulk_edit", description=f"Bulk edit {long_word}", user=user).pk,
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
    }


def page_urls(objects: dict[str, Any]) -> list[str]:
    """The URL of every page in PAGES, filled from `objects`, then EXTRA_URLS."""
    filled = [reverse(name, kwargs={k: objects[v] for k, v in spec.items()}) for name, spec in PAGES.items()]
    return filled + EXTRA_URLS
