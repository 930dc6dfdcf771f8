"""Events the accounts app defines for every app above it (common/events.py)."""

# Ask for an in-app notification (docs/operations.md#notifications); the operations app subscribes and writes
# the notifications once the publisher's transaction commits. Any app may publish it (accounts is the lowest).
# Payload: kind (str: alert, rule_action, job_failed, oversell, marketplace_edit, other), title (str),
# body (str, optional), link (path inside the app, optional), user_ids (list of int, optional: default every
# active staff user), dedupe_key (str, optional: the same key notifies a user once).
NOTIFICATION_REQUESTED = "accounts.notification_requested"
