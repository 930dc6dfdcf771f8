"""Reads for accounts pages: audit log search, per-object history, a user's sessions and tokens."""

from datetime import datetime, time
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken, AuditEntry, UserSession


def audit_list(*, filters: dict[str, Any] | None = None) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, filtered by q/model/action/actor_kind/since/until.

    Ordered by id (insertion order, same as time) so the newest page comes off the primary key without a sort.
    """
    filters = filters or {}
    qs = AuditEntry.objects.select_related("content_type", "actor").order_by("-id")
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(object_repr__icontains=q) | Q(actor_label__icontains=q) | Q(object_id=q) | Q(request_id=q))
    if model := (filters.get("model") or "").strip().lower():
        qs = qs.filter(Q(content_type__model=model) | Q(content_type__app_label=model))
    if action := filters.get("action"):
        qs = qs.filter(action=action)
    if actor_kind := filters.get("actor_kind"):
        qs = qs.filter(actor_kind=actor_kind)
    tz = timezone.get_current_timezone()
    if since := filters.get("since"):
        qs = qs.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until := filters.get("until"):
        qs = qs.filter(created_at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return qs


def audit_for(obj: Model, *, limit: int = 50) -> list[AuditEntry]:
    """The newest audit entries of one object, for its detail page."""
    content_type = ContentType.objects.get_for_model(type(obj), for_concrete_model=True)
    qs = AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).select_related("actor")
    return list(qs[:limit])


def user_session_list(*, user: User, active_only: bool = True) -> QuerySet[UserSession]:
    qs = UserSession.objects.filter(user=user)
    return qs.filter(ended_at=None) if active_only else qs


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
