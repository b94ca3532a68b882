from django.contrib import admin

from grid import models

for entry_model in [models.SiteEntry, models.RegionEntry]:
    admin.site.register(
        entry_model,
        list_display=["slug", "name", "builtin", "organisation", "updated_at"],
        list_filter=["builtin"],
        search_fields=["slug", "name"],
    )
