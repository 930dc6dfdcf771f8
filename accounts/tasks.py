"""Thin django-q2 entry points for accounts."""

from accounts.services import audit_prune, worker_heartbeat


def worker_heartbeat_task() -> None:
    worker_heartbeat()


def audit_prune_task() -> None:
    audit_prune()
