"""Events the accounts app defines for every app above it (common/events.py)."""

# Ask for an in-app notification (docs/operations.md#notifications); the operations app subscribes and writes
# the notifications once the publisher's transaction commits. Any app may publish it (accounts is the lowest).
# Payload: kind (str: alert, rule_action, job_failed, oversell, marketplace_edit, other), title (str),
# body (str, optional), link (path inside the app, optional), user_ids (list of int, optional: default every
# active staff user), dedupe_key (str, optional: the same key notifies a user once).
NOTIFICATION_REQUESTED = "accounts.notification_requested"

# A runtime setting got a new value (accounts.setting_services.runtime_setting_set, inside its transaction).
# Payload: key (str). Apps whose stored figures derive from a setting refresh them, e.g. pricing's stored margins
# on `pricing.default_margin_floor` (docs/pricing.md#stored-margins).
RUNTIME_SETTING_CHANGED = "accounts.runtime_setting_changed"
