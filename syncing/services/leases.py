"""One push per listing at a time: short leases claimed atomically, held without a transaction."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from syncing.conf import sync_setting
from syncing.models import PushLease

# Longer than the slowest push: token wait (10 s) + lookup + push with a 15 s HTTP timeout each.
LEASE_SECONDS = 90.0


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
        return token if taken else None
    return token


def listing_lease_release(*, listing_id: int, token: str) -> None:
    PushLease.objects.filter(listing_id=listing_id, token=token).delete()


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
