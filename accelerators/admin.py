from django.contrib import admin

from accelerators import models

for entry_model in [models.AcceleratorEntry, models.ModelEntry]:
    admin.site.register(
        entry_model,
        list_display=["slug", "name", "builtin", "organisation", "updated_at"],
        list_filter=["builtin"],
        search_fields=["slug", "name"],
    )
