"""One module per simulated marketplace; each defines `MODULE = <MarketplaceModule subclass>` (auto-discovered)."""
