"""Abstract base for catalog entries kept in the database (shipped ones and users' own)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CatalogEntry(models.Model):
    """One catalog entry. Shipped entries (builtin) have no organisation and come from the
    data files with their sources; an organisation's own entries are visible to its members."""

    slug = models.SlugField(max_length=200)
    name = models.CharField(max_length=200)
    data = models.JSONField(help_text="the entry in the catalog's data-file schema, units in field names")
    sources = models.JSONField(default=dict, blank=True, help_text="field → source (document, table, year)")
    builtin = models.BooleanField(default=False)
    organisation = models.ForeignKey(
        "scenarios.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.slug} ({'builtin' if self.builtin else self.organisation})"
