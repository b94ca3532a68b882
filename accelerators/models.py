from django.db import models

from planner.catalog_models import CatalogEntry


class AcceleratorEntry(CatalogEntry):
    class Meta(CatalogEntry.Meta):
        verbose_name = "accelerator"
        constraints = [models.UniqueConstraint(fields=["slug", "organisation"], name="accelerator_slug_per_org")]


class ModelEntry(CatalogEntry):
    hf_id = models.CharField(max_length=200, blank=True)

    class Meta(CatalogEntry.Meta):
        verbose_name = "LLM model"
        constraints = [models.UniqueConstraint(fields=["slug", "organisation"], name="model_slug_per_org")]
