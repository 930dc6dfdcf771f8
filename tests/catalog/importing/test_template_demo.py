"""The template's sample rows fit a demo install: imported untouched after `seed_demo`, they give no row error,
create no category and list the product on the named demo channel."""

import pytest

from catalog.demo import TREE, seed_demo_catalog
from catalog.importing import tasks
from catalog.importing.services import import_file
from catalog.importing.workbooks import SAMPLE_ROWS, template_workbook
from catalog.models import Category, ImportRow, Product
from channels.demo import DEMO_CHANNELS, seed_demo_channels
from listings.models import Listing

pytestmark = pytest.mark.django_db
DEMO_PATHS = {
    f"{root} > {mid} > {leaf}" for root, mids in TREE.items() for mid, leaves in mids.items() for leaf in leaves
}
DEMO_CHANNEL_NAMES = {name for name, *_ in DEMO_CHANNELS.values()}


def test_every_sample_category_and_channel_is_in_the_demo_constants():
    categories = [row["category"] for row in SAMPLE_ROWS if row.get("category")]
    channels = [name.strip() for row in SAMPLE_ROWS if row.get("channels") for name in row["channels"].split(",")]
    assert categories
    assert channels
    assert set(categories) <= DEMO_PATHS
    assert set(channels) <= DEMO_CHANNEL_NAMES


def test_the_untouched_template_imports_into_a_demo_install_without_row_errors(tmp_path, queued):
    # given a demo install
    seed_demo_catalog(products=4, with_images=False)
    seed_demo_channels()
    categories = Category.objects.count()

    # when the downloaded template is imported as it is, rejecting the whole file on any row error
    path = tmp_path / "products-template.xlsx"
    path.write_bytes(template_workbook())
    batch = import_file(path=path, on_error="reject-all")

    # then both sample rows are written, with no row error and no new category
    assert (batch.status, batch.error_count, batch.first_errors) == ("committed", 0, [])
    assert (batch.created_count, batch.unknown_columns) == (2, [])
    assert Category.objects.count() == categories
    product = Product.objects.get(sku="TSHIRT-001")
    assert product.category.full_name == SAMPLE_ROWS[0]["category"]
    assert [v.sku for v in product.variants.all()] == ["TSHIRT-001-XL"]

    # and the queued listing step lists it on the demo channel with no row error
    assert "import_listings_create_task" in [f.__name__ for f, _ in queued]
    tasks.import_listings_create_task(batch.pk)
    assert ImportRow.objects.get(batch=batch, kind="channels").errors == []
    assert [x.channel.name for x in Listing.objects.filter(product=product)] == [SAMPLE_ROWS[0]["channels"]]
