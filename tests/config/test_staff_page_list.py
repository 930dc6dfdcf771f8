"""The phone check of tests/e2e/test_phone_layout.py walks every staff page: its page list and its exclusions
(tests/e2e/staff_pages.py) together cover the URL table, so a new page fails here until it is listed."""

from django.urls import reverse

from tests.e2e.staff_pages import EXCLUDED, PAGES, page_urls, staff_get_urls


def test_every_staff_get_url_is_walked_or_excluded_with_a_reason():
    table = set(staff_get_urls())
    assert len(table) > 100  # the walk found the included apps, not only the dashboard
    unlisted = sorted(table - set(PAGES) - set(EXCLUDED))
    assert unlisted == [], f"add these to PAGES or EXCLUDED in tests/e2e/staff_pages.py: {unlisted}"


def test_the_lists_name_only_existing_get_urls_and_none_twice():
    table = set(staff_get_urls())
    assert sorted(set(PAGES) - table) == []
    assert sorted(set(EXCLUDED) - table) == []
    assert sorted(set(PAGES) & set(EXCLUDED)) == []
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_the_table_leaves_out_admin_api_webhooks_and_post_only_actions():
    table = staff_get_urls()
    assert "catalog:product_detail" in table
    assert not any(route.startswith(("admin/", "api/", "webhooks/")) for route in table.values())
    assert "listings:listing_publish" not in table  # POST-only
    assert "syncing:job_cancel" not in table


def test_every_kwarg_of_a_page_is_filled():
    objects = {key: 1 for spec in PAGES.values() for key in spec.values()}
    objects["ops_job"] = "feed-1"
    objects["reset_token"] = "abc-def"
    urls = page_urls(objects)
    assert len(urls) >= len(PAGES)
    assert reverse("catalog:product_detail", kwargs={"pk": 1}) in urls
