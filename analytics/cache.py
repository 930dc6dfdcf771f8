"""Versioned cache keys for the analytics figures (docs/analytics.md#caching).

Every key embeds one version number. A write that changes a figure (an order ingested, a stock movement, a
recomputed day) bumps the version once its transaction commits, so every key written before it is never read
again (they expire on their own): a reader never gets a figure older than our own last write.
"""

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from analytics.models import CacheVersion

VERSION_KEY = "analytics"
_MARKS = "_analytics_bumped_blocks"
T = TypeVar("T")


def cache_version() -> int:
    """The current version, read from the database (one primary-key lookup), so a write committed by a worker is
    seen by every web process at its next read, whatever cache backend holds the figures."""
    value = CacheVersion.objects.filter(pk=VERSION_KEY).values_list("value", flat=True).first()
    if value is None:
        value = _version_row().value
    return int(value)


def _version_row() -> CacheVersion:
    """The version row, created on first use from the clock: a database restored from a backup (or a test
    database rolled back) starts from a number no key of the cache can hold yet."""
    row, _ = CacheVersion.objects.get_or_create(pk=VERSION_KEY, defaults={"value": time.time_ns()})
    return row


def cache_version_bump() -> None:
    """Make every cached analytics figure unreachable now."""
    if not CacheVersion.objects.filter(pk=VERSION_KEY).update(value=F("value") + 1):
        _version_row()


def cache_version_bump_on_commit() -> None:
    """Bump after the surrounding transaction commits (at once outside one): a reader between the write and the
    commit would otherwise cache the old figure under the new version.

    One bump per transaction block however many rows it saves: the blocks already given one are remembered on
    the connection beside its list of commit hooks (Django replaces that list on commit and on a rollback,
    which forgets them), so a bulk change does not scan the hooks at every row."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        marks: tuple[Any, set[frozenset[str]]] = getattr(connection, _MARKS, (None, set()))
        hooks, done = marks
        if hooks is not connection.run_on_commit:
            hooks, done = connection.run_on_commit, set()
            setattr(connection, _MARKS, (hooks, done))
        level = frozenset(connection.savepoint_ids)
        if level in done:
            return
        done.add(level)
    transaction.on_commit(cache_version_bump)


def cache_key(kind: str, **params: Any) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:24]
    return f"analytics:{cache_version()}:{kind}:{digest}"


def cached(kind: str, compute: Callable[[], T], **params: Any) -> T:
    """`compute()` once per version and parameters; kept ANALYTICS_CACHE_SECONDS at most."""
    key = cache_key(kind, **params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=int(settings.ANALYTICS_CACHE_SECONDS))
    return value
