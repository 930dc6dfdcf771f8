"""One push per listing at a time: short leases claimed atomically, held without a transaction.

A lease is short (SYNC_LEASE_SECONDS, 30 s) and renewed every third of that by a thread of the process holding
it, so a push may take as long as it needs while a dead worker's lease runs out within 30 s (docs/sync.md,
"Stopping and restarting workers").
"""

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from syncing.conf import sync_setting
from syncing.models import PushLease

logger = logging.getLogger(__name__)

# Renewed every third of this while the push runs (the slowest push: token wait 10 s + lookup + push with a 15 s
# HTTP timeout each, is longer); a dead holder's lease runs out this long after its last renewal.
LEASE_SECONDS = 30.0

_held: dict[int, str] = {}  # listing id -> token of the leases this process holds and renews
_held_lock = threading.Lock()
_renewer: threading.Thread | None = None


def lease_seconds() -> float:
    return float(sync_setting("SYNC_LEASE_SECONDS", LEASE_SECONDS, float))


def listing_lease_claim(*, listing_id: int) -> str | None:
    """Claim `listing_id` for this worker: the lease token, or None when another worker holds it."""
    token = secrets.token_hex(8)
    now = timezone.now()
    expires = now + timedelta(seconds=lease_seconds())
    # A released lease is deleted, so the usual case is a free listing: try the insert first (one statement),
    # and only when a row exists take it over if it has expired (its holder died).
    try:
        with transaction.atomic():
            PushLease.objects.create(listing_id=listing_id, token=token, expires_at=expires)
    except IntegrityError:
        taken = PushLease.objects.filter(listing_id=listing_id, expires_at__lt=now).update(
            token=token, expires_at=expires
        )
        if not taken:
            return None
    _hold(listing_id, token)
    return token


def listing_lease_release(*, listing_id: int, token: str) -> None:
    PushLease.objects.filter(listing_id=listing_id, token=token).delete()
    with _held_lock:
        if _held.get(listing_id) == token:
            del _held[listing_id]


def listing_leases_renew() -> int:
    """Push the expiry of every lease this process holds a full lease ahead; how many were renewed."""
    with _held_lock:
        held = list(_held.items())
    if not held:
        return 0
    expires = timezone.now() + timedelta(seconds=lease_seconds())
    return sum(PushLease.objects.filter(listing_id=pk, token=token).update(expires_at=expires) for pk, token in held)


def _hold(listing_id: int, token: str) -> None:
    """Remember the lease for renewal; start this process's renewal thread on the first one (not inside a
    transaction, as in tests: another connection could not see the lease row)."""
    global _renewer
    if not transaction.get_autocommit():
        return
    with _held_lock:
        _held[listing_id] = token
        if _renewer is None or not _renewer.is_alive():
            _renewer = threading.Thread(target=_renew_forever, name="lease-renewal", daemon=True)
            _renewer.start()


def _renew_forever() -> None:
    while True:
        time.sleep(lease_seconds() / 3)
        try:
            listing_leases_renew()
        except Exception:  # noqa: BLE001 - a missed renewal is retried next beat; the lease is still valid
            logger.exception("could not renew push leases")
        finally:
            connections.close_all()  # this thread's own connection: no idle connection between beats


def listing_lease_remaining(*, listing_id: int) -> float:
    lease = PushLease.objects.filter(listing_id=listing_id).first()
    if lease is None:
        return 0.0
    return max(0.0, (lease.expires_at - timezone.now()).total_seconds())


@dataclass
class Lease:
    """A claimed lease, released once: with the push's outcome when there is one (the outcome and the release
    commit together, one write less), else by the claimer's `finally`."""

    listing_id: int
    token: str
    released: bool = False


@contextmanager
def lease_released_with(lease: Lease) -> Iterator[None]:
    """Write the block and release `lease` in one transaction; the claimer's final release is then skipped."""
    with transaction.atomic():
        yield
        listing_lease_release(listing_id=lease.listing_id, token=lease.token)
    lease.released = True  # reached only when the block (and the release) committed


def lease_release_once(lease: Lease) -> None:
    if not lease.released:
        listing_lease_release(listing_id=lease.listing_id, token=lease.token)
        lease.released = True
