"""Automation rule pages (docs/automation.md): the list with each rule's state, the editor (every bad input shown
next to the field it names, nothing saved), the rule page with its settings, next cron run and evaluation log, a
dry run that shows the decisions and writes nothing, delete; viewers read, only editors act."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from workflow.choices import EvaluationOutcome
from workflow.models import AutomationRule, ListingTag, RuleEntityState, RuleEvaluation
from workflow.rule_config import CONDITION_FIELDS, EVENT_TYPES, METRICS, TEMPLATE_NAMES
from workflow.rule_services import automation_rule_create
from workflow.rule_views import RULE_EXAMPLES

pytestmark = pytest.mark.django_db

PRICE_OVER_5 = {"trigger_type": "threshold", "trigger_config": {"metric": "price", "operator": "gt", "value": 5}}
TAG = {"action_type": "tag_listing", "action_config": {"tag": "watch"}}


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def make_rule(name="Price watch", **fields):
    return automation_rule_create(name=name, **{**PRICE_OVER_5, **TAG, "cooldown_minutes": 0, **fields})


def form_data(**fields):
    """What the editor posts for a valid threshold rule tagging the listing; `fields` override."""
    data = {
        "name": "Price watch",
        "description": "",
        "trigger_type": "threshold",
        "trigger_config": '{"metric": "price", "operator": "gt", "value": 5}',
        "conditions": "",
        "action_type": "tag_listing",
        "action_config": '{"tag": "watch"}',
        "cooldown_minutes": "60",
        "max_daily_triggers": "",
        "pending_minutes": "0",
        "max_consecutive_errors": "5",
        "is_active": "on",
    }
    return {**data, **fields}


def test_the_list_shows_each_rule_with_its_state(editor_client, viewer_client):
    make_rule("Live rule")
    make_rule("Trial rule", dry_run=True)
    off = make_rule("Broken rule")
    AutomationRule.objects.filter(pk=off.pk).update(
        is_active=False, disabled_reason="Switched off after 5 errors in a row; the last: no price.", trigger_count=7
    )
    response = editor_client.get(reverse("workflow:rule_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="badge status-active">Active</span>' in page
    assert '<span class="badge status-warning">Dry run</span>' in page
    assert '<span class="badge status-error">Disabled</span>' in page
    assert "Switched off after 5 errors in a row; the last: no price." in page
    assert "Threshold (a metric crosses a value)" in page
    assert "Tag the listing" in page
    assert reverse("workflow:rule_create") in page
    assert reverse("workflow:rule_detail", args=[off.pk]) in page
    assert "<script>" not in page  # no inline script (CSP)
    assert reverse("workflow:rule_create") not in viewer_client.get(reverse("workflow:rule_list")).content.decode()


def test_the_board_and_the_task_list_link_to_the_rules(editor_client, stages):
    for name in ("workflow:board", "workflow:task_list"):
        assert reverse("workflow:rule_list") in editor_client.get(reverse(name)).content.decode()


def test_create_a_rule_through_the_form(editor_client, editor_user):
    data = form_data(conditions='[{"field": "channel.marketplace", "operator": "eq", "value": "shopify"}]')
    response = editor_client.post(reverse("workflow:rule_create"), data)
    rule = AutomationRule.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("workflow:rule_detail", args=[rule.pk])
    assert _messages(response) == ["Rule “Price watch” created."]
    assert (rule.trigger_config, rule.conditions, rule.action_config) == (
        {"metric": "price", "operator": "gt", "value": 5},
        [{"field": "channel.marketplace", "operator": "eq", "value": "shopify"}],
        {"tag": "watch"},
    )
    assert (rule.is_active, rule.dry_run, rule.max_daily_triggers, rule.created_by) == (True, False, None, editor_user)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        pytest.param(
            {"trigger_type": "time_based", "trigger_config": '{"cron": "every monday"}'}, "trigger_config",
            "cron 'every monday' does not parse", id="bad_cron",
        ),
        pytest.param(
            {"conditions": '[{"field": "listing.colour", "operator": "eq", "value": "red"}]'}, "conditions",
            "Condition 1: unknown field 'listing.colour'", id="unknown_condition_field",
        ),
        pytest.param({"action_config": "{}"}, "action_config", "tag must be a word", id="missing_action_field"),
        pytest.param(
            {"action_type": "update_price", "action_config": ""}, "action_config", "change_type must be one of",
            id="empty_action_config",
        ),
        pytest.param(
            {"trigger_config": '{"metric": "price", "operator": "gt", "value": 5'}, "trigger_config",
            "Trigger config is not valid JSON: Expecting ',' delimiter", id="json_not_parsing",
        ),
        pytest.param(
            {"conditions": '[{"field": "listing.price", "operator": "gt", "value": NaN}]'}, "conditions",
            "Conditions is not valid JSON: NaN is not allowed", id="json_nan",
        ),
        pytest.param({"conditions": "[" * 100_000}, "conditions", "Conditions is too long", id="json_too_long"),
        pytest.param({"conditions": "[" * 5_000}, "conditions", "nested too deeply", id="json_too_deep"),
        pytest.param({"trigger_config": "   "}, "trigger_config", "This field is required", id="json_missing"),
        pytest.param({"conditions": "null"}, "conditions", "Conditions cannot be null: give a JSON list", id="null"),
        pytest.param({"action_config": " null "}, "action_config", "cannot be null: give a JSON object", id="null_obj"),
        pytest.param({"trigger_config": "[]"}, "trigger_config", "Give the trigger config as an object", id="a_list"),
        pytest.param(
            {"trigger_type": "event", "trigger_config": '{"event_type": "task.created"}', "action_type": "create_task",
             "action_config": '{"title_template": "Check {sku}"}'}, "action_type", "it would trigger itself",
            id="rule_triggering_itself",
        ),
        pytest.param({"trigger_type": "sometimes"}, "trigger_type", "Select a valid choice", id="unknown_trigger"),
        pytest.param({"cooldown_minutes": "-1"}, "cooldown_minutes", "greater than or equal to 0", id="negative"),
        pytest.param({"max_consecutive_errors": "9" * 5000}, "max_consecutive_errors", "", id="huge_number"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_shown_next_to_the_field_it_names_and_nothing_is_saved(editor_client, fields, field, words):
    response = editor_client.post(reverse("workflow:rule_create"), form_data(**fields))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert words in " ".join(errors[field])
    page = response.content.decode()
    assert "Please correct the errors below; nothing was saved." in page
    assert f'id="id_{field}_errors"' in page
    assert not AutomationRule.objects.exists()


def test_a_new_rule_starts_from_empty_settings_that_save_as_typed(editor_client):
    form = editor_client.get(reverse("workflow:rule_create")).context["form"]
    values = {name: form[name].value() for name in ("trigger_config", "conditions", "action_config")}
    assert values == {"trigger_config": "{}", "conditions": "[]", "action_config": "{}"}
    data = form_data(conditions="[]", action_type="pause_listing", action_config="{}")
    response = editor_client.post(reverse("workflow:rule_create"), data)
    assert response.status_code == 302
    assert (AutomationRule.objects.get().conditions, AutomationRule.objects.get().action_config) == ([], {})


def test_the_typed_json_is_shown_again_after_an_error(editor_client):
    typed = '{"cron": "every monday"}'
    response = editor_client.post(reverse("workflow:rule_create"), form_data(trigger_type="time_based",
                                                                             trigger_config=typed))  # fmt: skip
    assert response.context["form"]["trigger_config"].value() == typed


def test_a_second_rule_with_the_same_name_is_refused(editor_client):
    make_rule("Price watch")
    response = editor_client.post(reverse("workflow:rule_create"), form_data())
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["name"]
    assert AutomationRule.objects.count() == 1


def test_edit_a_rule(editor_client):
    rule = make_rule()
    url = reverse("workflow:rule_update", args=[rule.pk])
    form = editor_client.get(url).context["form"]
    assert '"metric": "price"' in form["trigger_config"].value()
    assert form["action_config"].value() == '{\n  "tag": "watch"\n}'

    response = editor_client.post(url, form_data(action_config='{"tag": "cheap"}', dry_run="on", cooldown_minutes="5"))
    assert response.status_code == 302
    assert _messages(response) == ["Rule “Price watch” saved."]
    rule.refresh_from_db()
    assert (rule.action_config, rule.dry_run, rule.cooldown_minutes) == ({"tag": "cheap"}, True, 5)

    response = editor_client.post(url, form_data(action_config='{"tag": ""}', name="Renamed"))
    assert response.status_code == 400
    assert "tag must be a word" in " ".join(response.context["form"].errors["action_config"])
    rule.refresh_from_db()
    assert (rule.name, rule.action_config) == ("Price watch", {"tag": "cheap"})
    assert response.context["rule"].name == "Price watch"  # the page names the stored rule, not the refused input


def test_switching_a_disabled_rule_on_again_clears_its_reason(editor_client):
    rule = make_rule()
    AutomationRule.objects.filter(pk=rule.pk).update(is_active=False, disabled_reason="Too many errors.",
                                                     consecutive_errors=5)  # fmt: skip
    editor_client.post(reverse("workflow:rule_update", args=[rule.pk]), form_data())
    rule.refresh_from_db()
    assert (rule.is_active, rule.disabled_reason, rule.consecutive_errors) == (True, "", 0)


def test_the_editor_explains_the_rule_language_with_an_example_per_trigger(editor_client):
    page = editor_client.get(reverse("workflow:rule_create")).content.decode()
    for name in (*EVENT_TYPES, *METRICS, *CONDITION_FIELDS, *TEMPLATE_NAMES, "contains", "competitor_price_drop"):
        assert f"<code>{name}</code>" in page
    for trigger_type in ("threshold", "competitive", "time_based", "event"):
        assert f'data-example="{trigger_type}"' in page
    assert "<script>" not in page


@pytest.mark.parametrize("trigger_type", list(RULE_EXAMPLES))
def test_each_example_is_a_valid_rule_and_prefills_the_editor(editor_client, trigger_type):
    response = editor_client.get(reverse("workflow:rule_create"), {"example": trigger_type})
    form = response.context["form"]
    assert form["trigger_type"].value() == trigger_type
    names = ("name", "description", "trigger_type", "trigger_config", "conditions", "action_type", "action_config")
    data = form_data(**{name: form[name].value() for name in names})
    response = editor_client.post(reverse("workflow:rule_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert AutomationRule.objects.get().trigger_type == trigger_type


def test_the_rule_page_shows_settings_status_and_the_next_cron_run(editor_client):
    rule = make_rule(
        "Monday check", trigger_type="time_based", trigger_config={"cron": "0 9 * * 1"},
        conditions=[{"field": "listing.status", "operator": "eq", "value": "error"}],
    )  # fmt: skip
    response = editor_client.get(reverse("workflow:rule_detail", args=[rule.pk]))
    page = response.content.decode()
    assert response.context["next_run"] is not None
    assert response.context["next_run"].weekday() == 0
    assert 'id="rule-next-run"' in page
    assert "&quot;cron&quot;: &quot;0 9 * * 1&quot;" in page
    assert "listing.status" in page
    assert '<span class="badge status-active" id="rule-status">Active</span>' in page
    assert reverse("workflow:rule_dry_run", args=[rule.pk]) in page
    assert reverse("workflow:rule_delete", args=[rule.pk]) in page
    assert "<script>" not in page


def test_the_evaluation_log_is_paged_and_filtered_by_outcome(editor_client, make_listing):
    rule = make_rule()
    listing = make_listing()
    now = timezone.now()
    rows = [
        RuleEvaluation(rule=rule, listing=listing, outcome="not_matched", trigger="threshold sweep",
                       detail="The trigger did not hold.", created_at=now - timedelta(minutes=n))
        for n in range(60)
    ]  # fmt: skip
    rows.append(
        RuleEvaluation(rule=rule, listing=listing, outcome="matched", trigger="threshold sweep", detail="Action run.",
                       action_result={"tag": "watch", "added": True}, created_at=now)
    )  # fmt: skip
    RuleEvaluation.objects.bulk_create(rows)
    url = reverse("workflow:rule_detail", args=[rule.pk])
    response = editor_client.get(url)
    assert len(response.context["evaluations"]) == 50
    assert response.context["page_obj"].paginator.num_pages == 2
    assert len(editor_client.get(url, {"page": "2"}).context["evaluations"]) == 11
    assert len(editor_client.get(url, {"page": "99"}).context["evaluations"]) == 11

    response = editor_client.get(url, {"outcome": "matched"})
    rows = response.context["evaluations"]
    assert [row.outcome for row in rows] == ["matched"]
    assert "&quot;added&quot;: true" in response.content.decode()
    assert len(editor_client.get(url, {"outcome": "nonsense"}).context["evaluations"]) == 50  # unknown: no filter
    assert "No evaluations with this outcome." in editor_client.get(url, {"outcome": "error"}).content.decode()


def test_dry_run_shows_the_decisions_and_saves_nothing(editor_client, make_listing, make_listable_product):
    rule = make_rule(conditions=[{"field": "product.brand", "operator": "eq", "value": "Acme"}])
    hit = make_listing()
    miss = make_listing(product=make_listable_product(brand="Other"))
    before = AutomationRule.objects.values().get(pk=rule.pk)

    response = editor_client.post(reverse("workflow:rule_dry_run", args=[rule.pk]))
    assert response.status_code == 200
    rows = {row["listing_id"]: row for row in response.context["decisions"]}
    assert rows[hit.pk]["outcome"] == EvaluationOutcome.MATCHED
    assert rows[hit.pk]["detail"] == "Would run the action (dry run)."
    assert rows[hit.pk]["action"] == '{"tag": "watch", "added": true}'
    assert rows[miss.pk]["outcome"] == EvaluationOutcome.NOT_MATCHED
    assert [row["listing_id"] for row in response.context["decisions"]][0] == hit.pk  # what would act comes first
    page = response.content.decode()
    assert 'aria-label="Dry run decisions"' in page
    assert f'data-listing="{hit.pk}"' in page
    assert "Would act on <strong>1</strong> of 2 listings." in page

    assert not RuleEvaluation.objects.exists()
    assert not ListingTag.objects.exists()
    assert not RuleEntityState.objects.exists()
    assert AutomationRule.objects.values().get(pk=rule.pk) == before


def test_dry_run_on_chosen_listings_and_a_bad_choice_is_a_message(editor_client, make_listing):
    rule = make_rule()
    first, _ = make_listing(), make_listing()
    url = reverse("workflow:rule_dry_run", args=[rule.pk])
    response = editor_client.post(url, {"listings": str(first.pk)})
    assert [row["listing_id"] for row in response.context["decisions"]] == [first.pk]

    response = editor_client.post(url, {"listings": "999999, x"})
    assert response.status_code == 400
    assert response.context["decisions"] is None
    assert _messages(response) == ["listings: Give listing ids (whole numbers) separated by commas."]
    assert editor_client.get(url).status_code == 302
    assert not RuleEvaluation.objects.exists()


def test_a_channel_restricted_editor_dry_runs_only_their_channels(editor_client, editor_user, make_listing):
    from accounts.models import UserProfile

    rule = make_rule()
    mine, theirs = make_listing(), make_listing()
    UserProfile.objects.update_or_create(user=editor_user, defaults={"allowed_channel_ids": [mine.channel_id]})
    url = reverse("workflow:rule_dry_run", args=[rule.pk])
    response = editor_client.post(url)
    assert [row["listing_id"] for row in response.context["decisions"]] == [mine.pk]
    response = editor_client.post(url, {"listings": str(theirs.pk)})
    assert response.status_code == 400
    assert _messages(response) == [f"Unknown listing id(s): {theirs.pk}."]


def test_delete_a_rule(editor_client, make_listing):
    rule = make_rule()
    RuleEvaluation.objects.create(rule=rule, listing=make_listing(), outcome="matched", trigger="threshold sweep")
    url = reverse("workflow:rule_delete", args=[rule.pk])
    assert editor_client.get(url).url == reverse("workflow:rule_detail", args=[rule.pk]) + "#delete"
    response = editor_client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("workflow:rule_list")
    assert _messages(response) == ["Rule “Price watch” deleted."]
    assert not AutomationRule.objects.exists()
    assert not RuleEvaluation.objects.exists()
    assert editor_client.post(url).status_code == 404


def test_a_viewer_reads_the_pages_but_cannot_create_edit_dry_run_or_delete(viewer_client, make_listing):
    rule = make_rule()
    make_listing()
    for url in (reverse("workflow:rule_list"), reverse("workflow:rule_detail", args=[rule.pk])):
        response = viewer_client.get(url)
        assert response.status_code == 200
    page = viewer_client.get(reverse("workflow:rule_detail", args=[rule.pk])).content.decode()
    assert reverse("workflow:rule_update", args=[rule.pk]) not in page
    assert reverse("workflow:rule_dry_run", args=[rule.pk]) not in page
    assert viewer_client.get(reverse("workflow:rule_create")).status_code == 403
    assert viewer_client.post(reverse("workflow:rule_create"), form_data(name="Sneaky")).status_code == 403
    assert viewer_client.get(reverse("workflow:rule_update", args=[rule.pk])).status_code == 403
    assert viewer_client.post(reverse("workflow:rule_dry_run", args=[rule.pk])).status_code == 403
    assert viewer_client.post(reverse("workflow:rule_delete", args=[rule.pk])).status_code == 403
    assert list(AutomationRule.objects.values_list("name", flat=True)) == ["Price watch"]
    assert not RuleEvaluation.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client):
    rule = make_rule()
    for url in (reverse("workflow:rule_list"), reverse("workflow:rule_detail", args=[rule.pk]),
                reverse("workflow:rule_create")):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_unknown_rules_are_404(editor_client):
    for name in ("workflow:rule_detail", "workflow:rule_update", "workflow:rule_delete"):
        assert editor_client.get(reverse(name, args=[999999])).status_code in (404, 302)
    assert editor_client.post(reverse("workflow:rule_dry_run", args=[999999])).status_code == 404
