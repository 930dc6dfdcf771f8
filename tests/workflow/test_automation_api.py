"""/api/v1/automation-rules/ (docs/automation.md#api): CRUD through the services, bad input answered 400 naming the
field with nothing saved, POST …/{id}/dry-run/ writing nothing, GET …/{id}/evaluations/ with its outcome filter."""

from decimal import Decimal

import pytest

from workflow.models import AutomationRule, ListingTag, RuleEvaluation
from workflow.rule_services import rule_evaluate

from .test_api import error_fields

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Watch dear listings",
    "trigger_type": "threshold",
    "trigger_config": {"metric": "price", "operator": "gt", "value": 10},
    "conditions": [{"field": "channel.marketplace", "operator": "eq", "value": "shopify"}],
    "action_type": "tag_listing",
    "action_config": {"tag": "dear"},
    "cooldown_minutes": 0,
}


def test_create_read_update_delete(api):
    response = api.post("/api/v1/automation-rules/", RULE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["trigger_count"], body["is_active"], body["dry_run"], body["pending_minutes"]) == (0, True, False, 0)
    pk = body["id"]
    changed = api.patch(f"/api/v1/automation-rules/{pk}/", {"max_daily_triggers": 5}, format="json")
    assert changed.json()["max_daily_triggers"] == 5
    assert [r["name"] for r in api.get("/api/v1/automation-rules/").json()["results"]] == ["Watch dear listings"]
    assert api.delete(f"/api/v1/automation-rules/{pk}/").status_code == 204
    assert not AutomationRule.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param(
            {"trigger_type": "time_based", "trigger_config": {"cron": "61 * * * *"}}, "trigger_config", id="bad_cron"
        ),  # fmt: skip
        pytest.param({"conditions": [{"field": "nope", "operator": "eq", "value": 1}]}, "conditions", id="bad_field"),
        pytest.param({"action_type": "send_alert", "action_config": {}}, "action_config", id="missing_message"),
        pytest.param(
            {
                "trigger_type": "event",
                "trigger_config": {"event_type": "task.created"},
                "action_type": "create_task",
                "action_config": {"title_template": "x"},
            },
            "action_type",
            id="self_trigger",
        ),  # fmt: skip
        pytest.param({"cooldown_minutes": -1}, "cooldown_minutes", id="negative_cooldown"),
    ],
)
def test_bad_rules_answer_400_naming_the_field(api, change, field):
    response = api.post("/api/v1/automation-rules/", {**RULE, **change}, format="json")
    assert field in error_fields(response)
    assert not AutomationRule.objects.exists()


def test_dry_run_says_what_would_fire_and_writes_nothing(api, make_listing):
    dear, cheap = make_listing(price=Decimal("30.00")), make_listing(price=Decimal("5.00"))
    pk = api.post("/api/v1/automation-rules/", RULE, format="json").json()["id"]
    response = api.post(f"/api/v1/automation-rules/{pk}/dry-run/", {"listings": [dear.pk, cheap.pk]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["would_fire"] == 1
    rows = {row["listing"]: row for row in body["decisions"]}
    assert rows[dear.pk]["outcome"] == "matched"
    assert rows[dear.pk]["action"] == {"tag": "dear", "added": True}
    assert rows[cheap.pk]["inputs"]["trigger"]["observed"] == "5.00"
    assert not RuleEvaluation.objects.exists()
    assert not ListingTag.objects.exists()
    unknown = api.post(f"/api/v1/automation-rules/{pk}/dry-run/", {"listings": [999999]}, format="json")
    assert "listings" in error_fields(unknown)


def test_evaluations_log_with_outcome_filter(api, make_listing):
    dear, cheap = make_listing(price=Decimal("30.00")), make_listing(price=Decimal("5.00"))
    pk = api.post("/api/v1/automation-rules/", RULE, format="json").json()["id"]
    rule_evaluate(AutomationRule.objects.get(pk=pk), listing_ids=[dear.pk, cheap.pk], trigger="test")
    rows = api.get(f"/api/v1/automation-rules/{pk}/evaluations/").json()["results"]
    assert {(r["listing"], r["outcome"]) for r in rows} == {(dear.pk, "matched"), (cheap.pk, "not_matched")}
    matched = api.get(f"/api/v1/automation-rules/{pk}/evaluations/?outcome=matched").json()["results"]
    assert [r["listing"] for r in matched] == [dear.pk]
    assert "outcome" in error_fields(api.get(f"/api/v1/automation-rules/{pk}/evaluations/?outcome=maybe"))


def test_a_viewer_reads_but_cannot_write(viewer_api):
    assert viewer_api.get("/api/v1/automation-rules/").status_code == 200
    assert viewer_api.post("/api/v1/automation-rules/", RULE, format="json").status_code == 403


def test_a_dry_run_decides_on_at_most_the_cap_and_says_so(api, make_listing, monkeypatch, staff_client):
    monkeypatch.setattr("workflow.rule_services.DRY_RUN_MAX_LISTINGS", 2)
    rows = [make_listing(price=Decimal("30.00")) for _ in range(3)]
    pk = api.post("/api/v1/automation-rules/", RULE, format="json").json()["id"]
    body = api.post(f"/api/v1/automation-rules/{pk}/dry-run/", {}, format="json").json()
    assert (body["listings_evaluated"], body["listings_total"], body["would_fire"]) == (2, 3, 2)
    assert {row["listing"] for row in body["decisions"]} == {rows[0].pk, rows[1].pk}
    page = staff_client.post(f"/tasks/rules/{pk}/dry-run/").content.decode()
    assert "Decided on the first 2 of 3 listings" in page
