"""Site comparison pages: list and create, the comparison with its runs, a run's map and ranking,
each site's own result, and the PDF/XLSX of a run."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grid.climate import list_climates
from grid.regions import list_regions
from grid.siting import list_metros
from planner.engine.schema import ScenarioError
from planner.engine.site_comparison import CRITERIA
from planner.ids import as_id
from planner.jobs.deletion import JobsInProgress
from planner.jobs.views import redirect_to_job
from planner.scenarios import catalogs
from planner.scenarios import selectors as scenario_selectors
from planner.scenarios.kpis import kpi_cards
from planner.scenarios.views.common import require_editor
from planner.sites import selectors, services
from planner.sites.forms import MAX_SITES, document_from_post, form_again, initial_form


@login_required
@require_GET
def comparison_list(request: HttpRequest) -> HttpResponse:
    comparisons = selectors.comparisons_for_user(request.user).prefetch_related("runs")
    can_create = scenario_selectors.editable_organisations(request.user).exists()
    return render(request, "sites/list.html", {"comparisons": comparisons, "can_create": can_create})


SITE_KEYS = ("name", "climate", "region", "power_cap_mw", "water_limit_m3_per_year", "utc_offset_h")


def _options(choices: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"slug": slug, "name": label} for slug, label in choices]


def _form_context(request: HttpRequest, form: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    organisations = scenario_selectors.editable_organisations(request.user)
    own = catalogs.own_entries(organisations)  # the organisations' own sites and regions first
    scenarios = scenario_selectors.scenarios_for_user(request.user).filter(organisation__in=organisations)
    return {
        "organisations": organisations,
        "scenarios": scenarios,
        "climates": [*_options(own["sites"]), *({"slug": c.slug, "name": c.name} for c in list_climates())],
        "regions": [*_options(own["regions"]), *({"slug": r.slug, "name": r.name} for r in list_regions())],
        "criteria": CRITERIA,
        "metros": list_metros(),
        "workload_names": sorted(
            {w.get("name") for s in scenarios for w in s.inputs.get("workloads", []) if isinstance(w, dict)} - {None}
        ),
        "site_rows": [{key: form.get(f"site-{i}-{key}", "") for key in SITE_KEYS} | {"i": i} for i in range(MAX_SITES)],
        "form": form,
        "errors": errors,
    }


@login_required
@require_http_methods(["GET", "POST"])
def comparison_create(request: HttpRequest) -> HttpResponse:
    if not scenario_selectors.editable_organisations(request.user).exists():
        raise PermissionDenied("You need the planner or admin role in an organisation to create site comparisons.")
    if request.method == "GET":
        return render(request, "sites/form.html", _form_context(request, initial_form(), {}))
    organisation_id, scenario_id = as_id(request.POST.get("organisation")), as_id(request.POST.get("scenario"))
    organisation = scenario_selectors.editable_organisations(request.user).filter(pk=organisation_id or 0).first()
    scenario = scenario_selectors.scenarios_for_user(request.user).filter(pk=scenario_id or 0).first()
    document, errors = document_from_post(request.POST, scenario_inputs=scenario.inputs if scenario else None)
    if organisation is None:
        errors["organisation"] = ["pick one of your organisations where you are a planner or admin"]
    if not errors:
        try:
            comparison = services.comparison_create(organisation=organisation, created_by=request.user, inputs=document)
        except ScenarioError as error:
            errors = error.errors
        else:
            return redirect("site-comparison-detail", comparison_id=comparison.pk)
    form = form_again(request.POST, document["weights"])
    return render(request, "sites/form.html", _form_context(request, form, errors), status=400)


@login_required
@require_GET
def comparison_detail(request: HttpRequest, comparison_id: int) -> HttpResponse:
    comparison = selectors.comparison_for_user(request.user, comparison_id)
    return _detail_page(request, comparison)


def _detail_page(request: HttpRequest, comparison: Any, *, status: int = 200, delete_error: str = "") -> HttpResponse:
    return render(
        request,
        "sites/detail.html",
        {
            "comparison": comparison,
            "runs": comparison.runs.all()[:50],
            "can_edit": scenario_selectors.can_edit(request.user, comparison.organisation_id),
            "inputs_json": json.dumps(comparison.inputs, indent=2, ensure_ascii=False),
            "delete_error": delete_error,
        },
        status=status,
    )


@login_required
@require_POST
def comparison_run(request: HttpRequest, comparison_id: int) -> HttpResponse:
    comparison = selectors.comparison_for_user(request.user, comparison_id)
    require_editor(request.user, comparison.organisation_id, "run site comparisons")
    return redirect_to_job(
        request,
        lambda: services.comparison_run_submit(comparison=comparison, submitted_by=request.user),
        url_name="site-comparison-run",
        what="comparison",
    )


@login_required
@require_POST
def comparison_delete(request: HttpRequest, comparison_id: int) -> HttpResponse:
    comparison = selectors.comparison_for_user(request.user, comparison_id)
    require_editor(request.user, comparison.organisation_id, "delete site comparisons")
    try:
        services.comparison_delete(comparison=comparison)
    except JobsInProgress as error:
        return _detail_page(request, comparison, status=409, delete_error=str(error))
    return redirect("site-comparison-list")


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.comparison_run_for_user(request.user, run_id)
    result = run.result or {}
    sites = [{k: v for k, v in site.items() if k != "result"} for site in result.get("sites", [])]
    return render(
        request,
        "sites/run.html",
        {
            "run": run,
            "comparison": run.comparison,
            "result": result,
            "sites": sites,
            "criteria": CRITERIA,
            "map_data": {"sites": sites, "metros": result.get("metros", {})},
            "has_result": run.is_completed,
        },
    )


@login_required
@require_GET
def run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    run = selectors.comparison_run_for_user(request.user, run_id)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "stage": run.stage,
            "progress_frac": run.progress_frac,
            "error": run.error,
            "finished": run.is_finished,
        }
    )


@login_required
@require_GET
def run_site(request: HttpRequest, run_id: int, index: int) -> HttpResponse:
    run = selectors.comparison_run_for_user(request.user, run_id)
    sites = (run.result or {}).get("sites", [])
    if not 0 <= index < len(sites):
        raise Http404("No such site in this comparison")
    site = sites[index]
    result = site.get("result") or {}
    return render(
        request,
        "sites/site.html",
        {
            "run": run,
            "comparison": run.comparison,
            "site": site,
            "index": index,
            "result": result,
            "cards": kpi_cards(result) if result else [],
        },
    )


@login_required
@require_GET
def run_report(request: HttpRequest, run_id: int, kind: str) -> HttpResponse:
    """The comparison's PDF or XLSX through the one report job (planner.reports): the file once
    built, its state as JSON for the download button, else a page that refreshes itself."""
    from django.urls import reverse

    from planner.reports.services import SUBJECT_KINDS
    from planner.reports.views import serve_report

    run = selectors.comparison_run_for_user(request.user, run_id)
    if kind not in SUBJECT_KINDS["comparison_run"]:
        raise Http404("PDF or XLSX")
    page = {
        "kind": kind,
        "subject": f"comparison run {run.pk} ({run.comparison.name})",
        "retry_url": reverse("site-comparison-report", args=[run.pk, kind]),
        "back_url": reverse("site-comparison-run", args=[run.pk]),
        "back_label": "Back to the comparison run",
    }
    return serve_report(request, kind=kind, subject={"comparison_run": run}, page=page)
