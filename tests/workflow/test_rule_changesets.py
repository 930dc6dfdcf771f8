"""A rule run that rewrites listings' content is one changeset (docs/catalog.md#versions): every listing it changed
can be undone as one unit; a run that changes nothing leaves no changeset, and other actions open none."""

import pytest

from listings.choices import ChangesetKind, ChangesetStatus, ChangeType
from listings.models import Changeset, Listing, ListingVersion
from listings.services import changeset_undo, listing_update
from workflow.rule_services import automation_rule_create, rule_evaluate

pytestmark = pytest.mark.django_db

PRICE_OVER_5 = {"trigger_type": "threshold", "trigger_config": {"metric": "price", "operator": "gt", "value": 5}}
TEMPLATE = {"action_type": "apply_template", "action_config": {"fields": {"seo_title": "{title} | Sale"}}}


def _rule(name="Template", **fields):
    return automation_rule_create(name=name, **{**PRICE_OVER_5, **TEMPLATE, "cooldown_minutes": 0, **fields})


def test_a_rule_run_is_one_changeset_that_undoes_every_listing_it_changed(make_listing, admin_user):
    # given three listings and a template rule
    listings = [make_listing() for _ in range(3)]
    rule = _rule()
    # when one run applies it to all three
    rule_evaluate(rule, listing_ids=[x.pk for x in listings], trigger="test")
    # then one rule changeset holds the three listings' new versions
    [changeset] = Changeset.objects.all()
    assert (changeset.kind, changeset.description) == (ChangesetKind.RULE, "Automation rule Template (test)")
    versions = ListingVersion.objects.filter(changeset=changeset)
    assert sorted(versions.values_list("listing_id", flat=True)) == sorted(x.pk for x in listings)
    assert set(versions.values_list("change_type", flat=True)) == {ChangeType.RULE}
    # and undoing it takes every listing back to its own SEO title (none)
    report = changeset_undo(changeset=changeset, user=admin_user, run_now=True)
    assert (report.restored, report.conflicts) == (3, [])
    assert list(Listing.objects.filter(pk__in=[x.pk for x in listings]).values_list("seo_title", flat=True)) == [
        None,
        None,
        None,
    ]
    assert Changeset.objects.get(pk=changeset.pk).status == ChangesetStatus.UNDONE


def test_undo_names_a_listing_changed_since_the_run_and_leaves_it(make_listing, admin_user):
    first, second = make_listing(), make_listing()
    rule_evaluate(_rule(), listing_ids=[first.pk, second.pk], trigger="test")
    changeset = Changeset.objects.get()
    listing_update(listing=Listing.objects.get(pk=second.pk), seo_title="Edited by hand")

    report = changeset_undo(changeset=changeset, user=admin_user, run_now=True)

    assert report.restored == 1
    assert len(report.conflicts) == 1
    assert Listing.objects.get(pk=first.pk).seo_title is None
    assert Listing.objects.get(pk=second.pk).seo_title == "Edited by hand"


def test_each_run_is_its_own_changeset(make_listing):
    listing = make_listing()
    rule = _rule(action_config={"fields": {"seo_title": "{title} | {sku}"}})
    rule_evaluate(rule, listing_ids=[listing.pk], trigger="first")
    listing_update(listing=Listing.objects.get(pk=listing.pk), seo_title="Cleared by hand")
    rule_evaluate(rule, listing_ids=[listing.pk], trigger="second")
    assert list(Changeset.objects.order_by("pk").values_list("description", flat=True)) == [
        "Automation rule Template (first)",
        "Automation rule Template (second)",
    ]


def test_a_run_that_changes_nothing_leaves_no_changeset(make_listing):
    listing = make_listing()
    rule = _rule()
    rule_evaluate(rule, listing_ids=[listing.pk], trigger="test")
    Changeset.objects.all().delete()
    rule_evaluate(rule, listing_ids=[listing.pk], trigger="again")  # the same text again: no new version
    assert not Changeset.objects.exists()


def test_a_failing_template_leaves_no_changeset_and_no_version(make_listing):
    listing = make_listing()
    versions = ListingVersion.objects.filter(listing=listing).count()
    rule = _rule(action_config={"fields": {"seo_title": "S" * 80 + " {sku}"}})  # over 70: refused by the model
    [decision] = rule_evaluate(rule, listing_ids=[listing.pk], trigger="test")
    assert decision.outcome == "error"
    assert not Changeset.objects.exists()
    assert ListingVersion.objects.filter(listing=listing).count() == versions


def test_other_actions_and_dry_runs_open_no_changeset(make_listing):
    listing = make_listing()
    tag = _rule("Tag", action_type="tag_listing", action_config={"tag": "watch"})
    dry = _rule("Dry", dry_run=True)
    for rule in (tag, dry):
        rule_evaluate(rule, listing_ids=[listing.pk], trigger="test")
    assert not Changeset.objects.exists()
    assert Listing.objects.get(pk=listing.pk).seo_title is None
