"""Events the workflow app publishes (common/events.py): its own rules can wait for them (docs/automation.md)."""

# An automation rule created tasks. Payload: listing_ids (list of int), task_ids (list of int), rule_id.
TASK_CREATED = "workflow.task_created"

# An automation rule's send_alert raised an alert on a listing. Payload: listing_id, rule_id, message, severity.
RULE_ALERT_SENT = "workflow.rule_alert_sent"
