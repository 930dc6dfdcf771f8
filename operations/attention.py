"""The dashboard's "Needs attention" panel: what a seller should fix, counted per channel and cause, each count
opening the filtered list (docs/pages.md, docs/sync.md#failures-grouped-by-cause).

Three queries however many listings or channels: one conditional GROUP BY per channel, one GROUP BY of the
listings in error by their last error, one count of oversold stock."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from accounts.roles import channel_scoped
from channels.models import Channel
from inventory.selectors import stocks_oversold
from listings.choices import ListingStatus
from listings.models import Listing

ERROR_CAUSES_MAX = 5

# kind -> (label, condition on Listing, listing-list query that shows the same rows)
ATTENTION_KINDS: dict[str, tuple[str, Q, str]] = {
    "blocked": ("Blocked (cannot be published)", Q(readiness_blocking__gt=0), "readiness=blocked"),
    "error": ("Rejected or in error", Q(status=ListingStatus.ERROR), "status=error"),
    "suppressed": ("Suppressed by the marketplace", Q(status=ListingStatus.SUPPRESSED), "status=suppressed"),
    "out_of_sync": ("Out of sync with the marketplace", Q(status=ListingStatus.OUT_OF_SYNC), "status=out_of_sync"),
    "changed": ("Changes not pushed", Q(changed_since_push=True), "changed_since_push=true"),
}


@dataclass
class AttentionCount:
    label: str
    query: str  # listing-list filter (without the channel)
    count: int = 0
    by_channel: list[tuple[Channel, int]] = field(default_factory=list)


@dataclass(frozen=True)
class ErrorCause:
    channel: Channel
    code: str
    message: str
    count: int


@dataclass
class NeedsAttention:
    kinds: list[AttentionCount]
    error_causes: list[ErrorCause]
    oversold: int

    @property
    def total(self) -> int:
        return sum(kind.count for kind in self.kinds) + self.oversold


def needs_attention(user: Any = None) -> NeedsAttention:
    """Counts of listings needing a person, per kind and channel (only channels the user may see)."""
    channels = {c.pk: c for c in channel_scoped(Channel.objects.only("pk", "name"), user, "pk").order_by("name")}
    listings = Listing.objects.filter(channel_id__in=list(channels)).order_by()
    aggregates = {kind: Count("id", filter=condition) for kind, (_, condition, _) in ATTENTION_KINDS.items()}
    rows: list[Any] = list(listings.values("channel_id").annotate(**aggregates))
    kinds = []
    for kind, (label, _, query) in ATTENTION_KINDS.items():
        entry = AttentionCount(label=label, query=query)
        for row in sorted(rows, key=lambda r: channels[r["channel_id"]].name):
            if row[kind]:
                entry.by_channel.append((channels[row["channel_id"]], row[kind]))
                entry.count += row[kind]
        kinds.append(entry)
    causes = (
        listings.filter(status=ListingStatus.ERROR)
        .values("channel_id", "last_error_code", "last_error_message")
        .annotate(n=Count("id"))
        .order_by("-n", "last_error_message")[:ERROR_CAUSES_MAX]
    )
    error_causes = [
        ErrorCause(channels[r["channel_id"]], r["last_error_code"], r["last_error_message"], r["n"]) for r in causes
    ]
    return NeedsAttention(kinds=kinds, error_causes=error_causes, oversold=stocks_oversold().count())
