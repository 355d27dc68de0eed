"""Routers of the REST API under /api/v1, one module per resource."""
