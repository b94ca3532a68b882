from django.db import models

from planner.catalog_models import CatalogEntry


class SiteEntry(CatalogEntry):
    """A data-center site with its typical-year climate statistics."""

    class Meta(CatalogEntry.Meta):
        verbose_name = "site"
        constraints = [models.UniqueConstraint(fields=["slug", "organisation"], name="site_slug_per_org")]


class RegionEntry(CatalogEntry):
    """A grid region with carbon, price, capacity and household figures."""

    class Meta(CatalogEntry.Meta):
        verbose_name = "grid region"
        constraints = [models.UniqueConstraint(fields=["slug", "organisation"], name="region_slug_per_org")]
