"""Choices of the competitors app (docs/competitors.md); values as docs/competitors.md#data lists them."""

from django.db import models


class TrackingPriority(models.TextChoices):
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class StockStatus(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    UNKNOWN = "unknown", "Unknown"


class AlertType(models.TextChoices):
    PRICE_DROP = "price_drop", "Price drop"
    PRICE_INCREASE = "price_increase", "Price increase"
    RANK_CHANGE = "rank_change", "Rank change"
    NEW_COMPETITOR = "new_competitor", "New competitor"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    BACK_IN_STOCK = "back_in_stock", "Back in stock"
    BUY_BOX_LOST = "buy_box_lost", "Buy box lost"
    BUY_BOX_WON = "buy_box_won", "Buy box won"


class AlertSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_ORDER = [AlertSeverity.LOW, AlertSeverity.MEDIUM, AlertSeverity.HIGH, AlertSeverity.CRITICAL]


class AlertStatus(models.TextChoices):
    NEW = "new", "New"
    VIEWED = "viewed", "Viewed"
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"


OPEN_ALERT_STATUSES = (AlertStatus.NEW, AlertStatus.VIEWED)  # an open alert still takes in further moves
