from django.db import models


class Bucket(models.TextChoices):
    ON_HAND = "on_hand", "On hand"
    COMMITTED = "committed", "Committed"
    SAFETY = "safety", "Safety"


class Reason(models.TextChoices):
    ORDER_PLACED = "order_placed", "Order placed"
    ORDER_PAID = "order_paid", "Order paid"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    ORDER_SHIPPED = "order_shipped", "Order shipped"
    REFUND_RESTOCK = "refund_restock", "Refund restock"
    MANUAL_ADJUSTMENT = "manual_adjustment", "Manual adjustment"
    STOCK_COUNT = "stock_count", "Stock count"
    IMPORT = "import", "Import"


class ComponentType(models.TextChoices):
    RAW_MATERIAL = "raw_material", "Raw material"
    PACKAGING = "packaging", "Packaging"
    LABEL = "label", "Label"
    ACCESSORY = "accessory", "Accessory"
    SUB_ASSEMBLY = "sub_assembly", "Sub-assembly"
