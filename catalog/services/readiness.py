"""The one way catalog writes tell listings that a readiness input changed (products and images share it)."""

from listings.services import listings_readiness_refresh


def product_readiness_refresh(product_id: int) -> None:
    """Re-check the stored readiness verdict of the product's listings after one of its readiness inputs changed."""
    listings_readiness_refresh(product_ids=[product_id])
