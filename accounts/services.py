"""Writes for accounts: API tokens, login sessions, roles, heartbeat and audit retention."""

import hashlib
import secrets
from datetime import timedelta
from importlib import import_module
from typing import Any, cast

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.choices import SessionEndReason
from accounts.models import ApiToken, AuditEntry, UserProfile, UserSession, WorkerHeartbeat
from accounts.roles import ROLES, forget_roles, is_admin
from common.errors import ApplicationError

SESSION_ID_KEY = "_lm_user_session_id"
LAST_SEEN_WRITE_EVERY = timedelta(seconds=60)  # one UPDATE per minute per session, not per request
TOKEN_LAST_USED_WRITE_EVERY = timedelta(seconds=60)
TOKEN_PREFIX_LENGTH = 8


# --- API tokens ---


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create an API token for `user`; return it and the plain key, which is never stored or shown again."""
    if not user.is_active:
        raise ApplicationError("An inactive user cannot get an API token.")
    lifetime = settings.API_TOKEN_DAYS if days is None else days
    if lifetime < 1 or lifetime > 3650:
        raise ApplicationError("Token lifetime must be between 1 and 3650 days.")
    key = secrets.token_urlsafe(32)  # 256 bits from the OS CSPRNG (ASVS 7.2.3 asks for >= 128)
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=(name or "").strip() or "API token",
        key_hash=token_hash(key),
        prefix=key[:TOKEN_PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=lifetime),
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, user: Any = None) -> ApiToken:
    """Revoke a token (idempotent). Only its owner or an admin may do so."""
    if user is not None and token.user_id != user.pk and not is_admin(user):
        raise ApplicationError("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, key: str) -> ApiToken | None:
    """Find the active token for `key` and note its use (at most one write a minute)."""
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_WRITE_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Login sessions ---


def _client_ip(request: HttpRequest) -> str | None:
    return get_client_ip_address(request) or None


def _session_store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key)


def user_session_start(*, request: HttpRequest, user: User | None = None) -> UserSession:
    """Record the current login (device, address) and remember its id in the session."""
    session = request.session  # type: ignore[attr-defined]
    if session.session_key is None:
        session.save()
    previous = session.get(SESSION_ID_KEY)
    if previous is not None:  # a re-login in the same browser replaces the earlier record
        UserSession.objects.filter(pk=previous, ended_at=None).update(
            ended_at=timezone.now(), end_reason=SessionEndReason.LOGOUT
        )
    record = UserSession.objects.create(
        user=user or cast(User, request.user),
        session_key=str(session.session_key),
        user_agent=request.headers.get("User-Agent", "")[:300],
        ip_address=_client_ip(request),
    )
    session[SESSION_ID_KEY] = record.pk
    return record


def user_session_touch(*, request: HttpRequest) -> str | None:
    """Check the request's login against revocation, idle timeout and lifetime; return a reason to log out.

    Starts a UserSession record for a login seen for the first time.
    """
    session = request.session  # type: ignore[attr-defined]
    record_id = session.get(SESSION_ID_KEY)
    if record_id is None:
        user_session_start(request=request)
        return None
    record = UserSession.objects.filter(pk=record_id, user=cast(User, request.user)).first()
    if record is None:  # another user's marker or a pruned record: this is a new login
        user_session_start(request=request)
        return None
    if record.ended_at is not None:
        return record.end_reason or SessionEndReason.REVOKED
    now = timezone.now()
    if session.session_key and record.session_key != session.session_key:  # key cycled by a re-login
        UserSession.objects.filter(pk=record.pk).update(session_key=session.session_key)
    if now - record.last_seen_at > timedelta(seconds=settings.SESSION_IDLE_TIMEOUT):
        _end(record, SessionEndReason.IDLE)
        return SessionEndReason.IDLE
    if now - record.created_at > timedelta(seconds=settings.SESSION_MAX_AGE):
        _end(record, SessionEndReason.EXPIRED)
        return SessionEndReason.EXPIRED
    if now - record.last_seen_at >= LAST_SEEN_WRITE_EVERY:
        UserSession.objects.filter(pk=record.pk).update(last_seen_at=now)
    return None


def _end(record: UserSession, reason: str) -> None:
    record.ended_at = timezone.now()
    record.end_reason = reason
    record.save(update_fields=["ended_at", "end_reason"])
    _session_store(record.session_key).delete()


def user_session_end_current(*, request: HttpRequest, reason: str) -> None:
    record_id = request.session.get(SESSION_ID_KEY)  # type: ignore[attr-defined]
    if record_id is not None:
        UserSession.objects.filter(pk=record_id, ended_at=None).update(ended_at=timezone.now(), end_reason=reason)


@transaction.atomic
def user_session_end(*, user_session: UserSession, user: Any) -> UserSession:
    """End one login; the browser holding it is logged out on its next request. Owner or admin only."""
    own = user_session.user_id == getattr(user, "pk", None)
    if not own and not is_admin(user):
        raise ApplicationError("You can only end your own sessions.")
    if user_session.ended_at is None:
        _end(user_session, SessionEndReason.REVOKED if own else SessionEndReason.ADMIN)
    return user_session


@transaction.atomic
def user_sessions_end_all(*, target: User, user: Any) -> int:
    """End every active login of `target` (admin action, e.g. a lost laptop). Returns how many ended."""
    if not is_admin(user):
        raise ApplicationError("Only an admin can end all sessions of a user.")
    records = list(UserSession.objects.filter(user=target, ended_at=None))
    for record in records:
        _end(record, SessionEndReason.ADMIN)
    return len(records)


def user_sessions_end_others(*, user: User, keep_id: int | None = None) -> int:
    """End every login of `user` except `keep_id` (after a password change or reset)."""
    records = UserSession.objects.filter(user=user, ended_at=None)
    if keep_id is not None:
        records = records.exclude(pk=keep_id)
    ended = 0
    for record in records:
        _end(record, SessionEndReason.REVOKED)
        ended += 1
    return ended


# --- Roles and profile ---


@transaction.atomic
def user_roles_set(*, target: User, roles: list[str], user: Any = None) -> User:
    """Replace the role groups of `target` with `roles`."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ApplicationError(f"Unknown role(s): {', '.join(unknown)}. Valid roles: {', '.join(ROLES)}.")
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLES)}
    missing = sorted(set(roles) - set(groups))
    if missing:
        raise ApplicationError(f"Role group(s) missing, run migrations: {', '.join(missing)}.")
    target.groups.remove(*[g for name, g in groups.items() if name not in roles])
    target.groups.add(*[groups[name] for name in roles])
    forget_roles(target)
    return target


@transaction.atomic
def user_channels_restrict(*, target: User, channel_ids: list[int], user: Any = None) -> UserProfile:
    """Limit `target` to these channel ids (empty list: every channel)."""
    if any(not isinstance(i, int) or isinstance(i, bool) or i < 1 for i in channel_ids):
        raise ApplicationError("Channel ids must be positive integers.")
    profile, _ = UserProfile.objects.get_or_create(user=target)
    profile.allowed_channel_ids = sorted(set(channel_ids))
    profile.full_clean()
    profile.save()
    return profile


# --- Health and retention ---


def worker_heartbeat(*, name: str = "qcluster") -> WorkerHeartbeat:
    """Note that a worker is alive (called by the scheduled heartbeat task)."""
    beat, _ = WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return beat


def audit_prune(*, days: int | None = None) -> int:
    """Delete audit entries older than the retention period; returns how many were removed."""
    keep_days = settings.AUDIT_RETENTION_DAYS if days is None else days
    if keep_days < 1:
        raise ApplicationError("Audit retention must be at least one day.")
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = AuditEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
