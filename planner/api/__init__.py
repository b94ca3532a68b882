"""REST API under /api/v1/: thin DRF views over the scenario services, selectors and core catalogs."""
