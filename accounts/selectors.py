"""Reads for accounts pages: audit log search, per-object history, a user's sessions and tokens, the people who
grant roles."""

from datetime import datetime, time
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import ApiToken, AuditEntry, UserSession
from accounts.roles import ADMIN, allowed_channel_ids
from channels.models import Channel

ROLE_GRANTERS_SHOWN = 10  # the no-role page names a few administrators, not a directory


def role_granter_list() -> list[User]:
    """Active accounts that may grant roles (the admin role or superuser), by username; the first few only."""
    granters = User.objects.filter(Q(is_superuser=True) | Q(groups__name=ADMIN), is_active=True).distinct()
    granters = granters.order_by("username").only("username", "first_name", "last_name", "email")
    return list(granters[:ROLE_GRANTERS_SHOWN])


def audit_list(*, filters: dict[str, Any] | None = None, user: Any = None) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, filtered by q/model/action/actor_kind/since/until.

    Ordered by id (insertion order, same as time) so the newest page comes off the primary key without a sort.
    A user limited to some channels does not see entries of other channels or of their listings and mappings.
    """
    filters = filters or {}
    qs = _channel_scoped_entries(AuditEntry.objects.select_related("content_type", "actor"), user).order_by("-id")
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


def _channel_scoped_entries(qs: QuerySet[AuditEntry], user: Any) -> QuerySet[AuditEntry]:
    """Hide entries about channels outside `user`'s restriction: the channels themselves and every audited
    model with a `channel` foreign key (listings, category and attribute value mappings)."""

    ids = allowed_channel_ids(user)
    if ids is None:
        return qs
    hidden = Q(content_type=ContentType.objects.get_for_model(Channel)) & ~Q(object_id__in=[str(i) for i in ids])
    for model in apps.get_models():
        field_names = {f.name for f in model._meta.concrete_fields}
        if model is Channel or "channel" not in field_names or model._meta.app_label not in ("channels", "listings"):
            continue
        allowed = model._default_manager.filter(channel_id__in=ids).annotate(key=Cast("pk", CharField()))
        content_type = ContentType.objects.get_for_model(model)
        hidden |= Q(content_type=content_type) & ~Q(object_id__in=allowed.values("key"))
    return qs.exclude(hidden)
