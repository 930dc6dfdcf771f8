"""One sync event told as a sentence for the history pages (docs/sync.md#history-in-plain-words).

Pure: reads the event's fields (and its channel's name, which the history selectors load with it)."""

from typing import Any

from django.utils import timezone

from .choices import SyncErrorKind, SyncOperation, SyncOutcome

# What the operation did, as "<verb> ... on <channel>" once it succeeded.
DONE = {
    SyncOperation.CREATE: "Created the listing on {channel}",
    SyncOperation.UPDATE: "Updated the listing on {channel}",
    SyncOperation.LOOKUP: "Found the listing already on {channel} (by its SKU) and linked it",
    SyncOperation.OFFERS: "Sent price and stock to {channel}",
    SyncOperation.DEACTIVATE: "Took the listing off {channel}",
    SyncOperation.PULL: "Read the listing back from {channel}",
}
# The operation as a noun: "the {noun} failed".
NOUN = {
    SyncOperation.CREATE: "creation",
    SyncOperation.UPDATE: "update",
    SyncOperation.LOOKUP: "search by SKU",
    SyncOperation.OFFERS: "price and stock update",
    SyncOperation.DEACTIVATE: "deactivation",
    SyncOperation.PULL: "read-back",
}
WHY = {
    SyncErrorKind.THROTTLED: "the marketplace asked to slow down",
    SyncErrorKind.RETRYABLE: "a temporary error",
    SyncErrorKind.AUTH: "the channel's authorisation expired, so the channel is paused",
    SyncErrorKind.PAUSED: "the channel is paused",
    SyncErrorKind.INTERRUPTED: "the worker stopped",
    SyncErrorKind.READINESS: "the listing is not ready to publish",
    SyncErrorKind.INTERNAL: "an internal error",
}


def _message(event: Any) -> str:
    text = " ".join((event.message or "").split())
    if len(text) > 160:
        text = text[:159] + "…"
    return f": {text}" if text else "."


def event_sentence(event: Any) -> str:
    """E.g. "Shopee MY refused the creation: Item name is too long." or "Created the listing on Etsy US."."""
    channel = event.channel.name
    operation = event.operation
    noun = NOUN.get(operation, "sync")
    outcome = event.outcome
    if outcome == SyncOutcome.SUCCEEDED:
        sentence = DONE.get(operation, "Synced with {channel}").format(channel=channel)
        return f"{sentence} (id {event.external_id})." if event.external_id else f"{sentence}."
    if outcome == SyncOutcome.SKIPPED:
        return f"Nothing had changed since the last push, so nothing was sent to {channel}."
    if outcome == SyncOutcome.IN_PROGRESS:
        return f"Sending the {noun} to {channel}…"
    if outcome == SyncOutcome.REJECTED:
        return f"{channel} refused the {noun}{_message(event)}"
    if outcome == SyncOutcome.RETRY_SCHEDULED:
        why = WHY.get(event.error_kind, "a temporary error")
        when = ""
        if event.next_retry_at:
            when = f" at {timezone.localtime(event.next_retry_at):%H:%M}"
        return f"The {noun} on {channel} did not go through ({why}); it is tried again{when}."
    if outcome == SyncOutcome.INTERRUPTED:
        return f"The worker stopped during the {noun} on {channel}; the job resumes it."
    if outcome == SyncOutcome.CANCELLED:
        return f"The {noun} was cancelled before it reached {channel}."
    cause = WHY.get(event.error_kind, "")
    reason = f" ({cause})" if cause else ""
    return f"The {noun} on {channel} failed{reason}{_message(event)}"
