"""The catalog browser: accelerators, models, sites (climates), grid regions and demand shapes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from planner.scenarios import catalogs, selectors

SECTIONS = {
    "accelerators": "Accelerators",
    "models": "LLM models",
    "sites": "Sites and climates",
    "regions": "Grid regions",
    "shapes": "Daily demand shapes",
}


@login_required
@require_GET
def catalog(request: HttpRequest, section: str = "accelerators") -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("No such catalog")
    organisations = selectors.organisations_for_user(request.user)
    rows = {
        "accelerators": lambda: catalogs.accelerator_rows(catalogs.own_specs(organisations, "accelerators")),
        "models": lambda: catalogs.model_rows(catalogs.own_specs(organisations, "models")),
        "sites": catalogs.site_rows,
        "regions": catalogs.region_rows,
        "shapes": lambda: [{"name": name, **shape} for name, shape in catalogs.daily_shapes().items()],
    }[section]()
    context = {"section": section, "sections": SECTIONS, "title": SECTIONS[section], "rows": rows}
    return render(request, f"catalog/{section}.html", context)
