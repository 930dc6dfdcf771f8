"""Audit trail: who changed what, field by field, for the registered models (the log is accounts.AuditEntry).

`context` says who acts, `values` what is recorded of an instance, `writes` writes entries (one, many, or one
INSERT ... SELECT), `signals` captures saves and deletes. The names other apps use are re-exported here.
"""

from accounts.audit.context import AuditActor, audit_actor, audit_request, audit_suspended, current_actor
from accounts.audit.signals import audit_base, audited_models, connect_audit_signals
from accounts.audit.values import IGNORED_FIELDS, MASK, snapshot
from accounts.audit.writes import audit_record, audit_record_bulk, audit_record_created_sql

__all__ = [
    "IGNORED_FIELDS",
    "MASK",
    "AuditActor",
    "audit_actor",
    "audit_base",
    "audit_record",
    "audit_record_bulk",
    "audit_record_created_sql",
    "audit_request",
    "audit_suspended",
    "audited_models",
    "connect_audit_signals",
    "current_actor",
    "snapshot",
]
