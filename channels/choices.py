from django.db import models

from syncing.connectors import MARKETPLACE_CHOICES


class ChannelConflictPolicy(models.TextChoices):
    """Who wins when a listing was changed both here and on the marketplace since the last sync."""

    LOCAL_WINS = "local_wins", "Our catalog wins"
    REMOTE_WINS = "remote_wins", "Marketplace wins"
    ASK = "ask", "Ask an operator"


class PriceAdjustType(models.TextChoices):
    NONE = "none", "No adjustment"
    PERCENT = "percent", "Percent of base price"
    FIXED = "fixed", "Fixed amount"


def marketplace_choices() -> list[tuple[str, str]]:
    """Choices read from the connector registry at run time, so a new connector needs no migration."""
    return list(MARKETPLACE_CHOICES)
