"""Registry of marketplace connectors. A new marketplace = one package + one entry here."""

from .amazon.connector import AmazonConnector
from .base import Connector
from .etsy.connector import EtsyConnector
from .lazada.connector import LazadaConnector
from .shopee.connector import ShopeeConnector
from .shopify.connector import ShopifyConnector
from .tiktok.connector import TiktokConnector

CONNECTORS: dict[str, type[Connector]] = {
    cls.code: cls
    for cls in (ShopifyConnector, LazadaConnector, ShopeeConnector, TiktokConnector, EtsyConnector, AmazonConnector)
}
MARKETPLACE_CHOICES = [(code, cls.label) for code, cls in CONNECTORS.items()]


def get_connector_class(code: str) -> type[Connector]:
    try:
        return CONNECTORS[code]
    except KeyError:
        raise ValueError(f"Unknown marketplace '{code}'; known: {', '.join(CONNECTORS)}.") from None
