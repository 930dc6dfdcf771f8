"""Human filter labels (docs/pages.md#filters): every filter form of a staff page reads in a person's words.
No "---------" or "Unknown" choice, no raw field name (tracking_priority) as a label or a choice, no typed id
where a person expects a name (a channel, competitor or listing is chosen by name or named by the page).

The pages are read from the URL patterns, so a new list page is checked without being added here; the FilterSets
are found by importing every app's `*filters` modules, so a new FilterSet (also shown by the browsable API) is too.
"""

import importlib
import pkgutil
import re
from html.parser import HTMLParser
from pathlib import Path

import django_filters
import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import EDITOR
from accounts.services import user_channels_restrict

pytestmark = pytest.mark.django_db

NOT_STAFF_PAGES = ("/api/", "/admin/", "/webhooks/")
# Pages that take an id, with the `page_objects` key (tests/fixtures/pages.py) that fills it.
PAGES_WITH_AN_ID = {
    "channels:channel_detail": "channel_pk",
    "channels:attribute_mapping_list": "channel_pk",
    "listings:listing_compare": "listing_pk",
    "listings:product_compare": "pk",
}
# Pages known to have a filter form: the parser must find it there (a check of this test, not of the pages).
KNOWN_FILTER_PAGES = {
    "/competitors/", "/competitors/alerts/", "/tasks/", "/tasks/board/", "/orders/", "/orders/customers/", "/sync/",
    "/sync/events/", "/operations/", "/operations/logs/", "/analytics/report-schedules/", "/analytics/attribution/",
    "/catalog/products/", "/listings/",
}  # fmt: skip
# A visible input with one of these names makes a person type an id where they expect to choose a name.
NAMED_THINGS = {"channel", "competitor", "listing", "product", "variant", "stage", "assignee", "supplier", "component"}
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def _get_pages(patterns, prefix=""):
    """Paths of the GET pages without an argument ("/competitors/"), from the URL patterns."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _get_pages(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not pattern.pattern.converters and "<" not in route:
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is None or hasattr(view_class, "get"):  # a class view without get() only takes posts
                yield "/" + route


PAGES = sorted({page for page in _get_pages(get_resolver().url_patterns) if not page.startswith(NOT_STAFF_PAGES)})


class GetForms(HTMLParser):
    """The GET forms of a page (its filter forms): label texts, option texts, visible inputs and all text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.form: dict | None = None
        self.open: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "get":
                name = attrs.get("aria-label") or attrs.get("id") or ""
                self.form = {"name": name, "labels": [], "options": [], "inputs": [], "text": []}
                self.forms.append(self.form)
            return
        if self.form is None:
            return
        if tag in ("label", "option"):
            self.open[tag] = []
        elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.form["inputs"].append((tag, attrs.get("type") or "", attrs.get("name") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif self.form is not None and tag in self.open:
            self.form[f"{tag}s"].append(" ".join("".join(self.open.pop(tag)).split()))

    def handle_data(self, data):
        if self.form is not None:
            self.form["text"].append(data)
            for parts in self.open.values():
                parts.append(data)


def filter_form_problems(html: str) -> tuple[list[str], int]:
    """What is not human in the page's GET forms, and how many such forms it has."""
    parser = GetForms()
    parser.feed(html)
    problems = []
    for form in parser.forms:
        where = form["name"]
        if "---------" in "".join(form["text"]):
            problems.append(f"{where}: a '---------' choice")
        for label in form["labels"]:
            if not label.strip(" :") or SNAKE.search(label) or "[invalid name]" in label:
                problems.append(f"{where}: label {label!r}")
        for option in form["options"]:
            if option == "Unknown" or SNAKE.fullmatch(option) or option.isdigit():
                problems.append(f"{where}: choice {option!r}")
        for tag, kind, name in form["inputs"]:
            if tag == "input" and name in NAMED_THINGS:
                problems.append(f"{where}: {name} typed as an id ({kind or 'text'} input)")
    return problems, len(parser.forms)


@pytest.fixture
def filled(page_objects, make_channel, channel):
    """One of everything a filter form offers: channels (one on Amazon, for the report schedules), a listing, a
    sync job and event (page_objects), a competitor; the workflow stages come with the migrations."""
    from competitors.models import Competitor

    make_channel("amazon", name="Amazon Shop")
    Competitor.objects.create(channel=channel, marketplace=channel.marketplace, item_id="B0RIVAL", name="Rival kettle")
    return page_objects


def _url(page, objects):
    if page in PAGES_WITH_AN_ID:
        return reverse(page, args=[objects[PAGES_WITH_AN_ID[page]]])
    return page


@pytest.mark.parametrize("page", PAGES + sorted(PAGES_WITH_AN_ID))
def test_filter_forms_read_in_a_persons_words(page, staff_client, filled):
    response = staff_client.get(_url(page, filled))
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        assert page not in KNOWN_FILTER_PAGES, response.status_code
        return  # a download, a redirect or a form that only takes posts: no filter form to read
    problems, forms = filter_form_problems(response.content.decode())
    assert problems == []
    assert forms or page not in KNOWN_FILTER_PAGES, "the filter form was not found"


PROJECT_APPS = [config.name for config in apps.get_app_configs() if Path(config.path).is_relative_to(settings.BASE_DIR)]


def _filter_modules():
    """Import every `*filters` module of the project's apps (filters, cost_filters, api.filters, ...)."""
    for app in PROJECT_APPS:
        module = importlib.import_module(app)
        for info in pkgutil.walk_packages(module.__path__, f"{app}."):
            if info.name.rsplit(".", 1)[-1].endswith("filters") and ".migrations" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


_filter_modules()
PROJECT = tuple(f"{app}." for app in PROJECT_APPS)
FILTERSETS = sorted(
    {cls for cls in _subclasses(django_filters.FilterSet) if cls.__module__.startswith(PROJECT) and cls._meta.model},
    key=lambda cls: f"{cls.__module__}.{cls.__name__}",
)


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_filterset_form_is_human(filterset_class, rf, admin_user, filled):
    request = rf.get("/")
    request.user = admin_user
    queryset = filterset_class._meta.model._default_manager.none()
    form = filterset_class(data={}, queryset=queryset, request=request).form
    for name, field in form.fields.items():
        label = str(field.label or "")
        assert label, name
        assert not SNAKE.search(label), (name, label)
        assert "[invalid name]" not in label, (name, label)
        assert not any(part in label for part in ("is greater than", "is less than")), (name, label)
        if field.widget.is_hidden:
            continue
        choices = [str(text) for _, text in [*getattr(field, "choices", []), *getattr(field.widget, "choices", [])]]
        assert "---------" not in choices, (name, choices)
        assert "Unknown" not in choices, (name, choices)


def test_the_lists_are_read_from_the_code():
    assert set(PAGES) >= KNOWN_FILTER_PAGES
    names = {cls.__name__ for cls in FILTERSETS}
    assert {"CompetitorFilterSet", "TaskFilterSet", "BomLineFilterSet", "ReportScheduleFilterSet"} <= names
    assert len(FILTERSETS) >= 27


@pytest.mark.parametrize("page", ["/tasks/", "/tasks/board/", "/analytics/attribution/"])
def test_a_listing_filter_names_the_listing(page, staff_client, make_listing, make_channel, make_user):
    listing = make_listing(channel=make_channel("shopify", name="Named Shop"))
    body = staff_client.get(page, {"listing": listing.pk}).content.decode()
    assert f'<input type="hidden" name="listing" value="{listing.pk}"' in body
    assert f'<a href="/listings/{listing.pk}/">{listing.product.sku} on Named Shop</a>' in body
    assert "show all" in body
    # a user limited to other channels is not told the listing's name
    limited = make_user("limited", EDITOR)
    user_channels_restrict(target=limited, channel_ids=[make_channel("etsy").pk])
    client = Client()
    client.force_login(limited)
    assert "Named Shop" not in client.get(page, {"listing": listing.pk}).content.decode()


def test_report_schedules_choose_the_channel_by_name_and_the_api_still_takes_an_id(staff_client, make_channel, api):
    amazon = make_channel("amazon", name="Amazon Shop")
    make_channel("shopify", name="Not Amazon")
    body = staff_client.get("/analytics/report-schedules/", {"channel": amazon.pk}).content.decode()
    assert f'<option value="{amazon.pk}" selected>Amazon Shop</option>' in body
    assert '<option value="">Any channel</option>' in body
    assert "Not Amazon" not in body.split('aria-label="Filter schedules"')[1].split("</form>")[0]
    response = api.get("/api/v1/report-schedules/", {"channel": 999_999})
    assert (response.status_code, response.json()["results"]) == (200, [])
