"""The marketplace sandbox: a real HTTP server on loopback that plays six marketplaces (see server.py)."""
