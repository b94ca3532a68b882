"""Portfolio pages: list, create/edit, detail with runs, run progress and result charts, compare two."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grid.portfolio import RAMP_UNITS
from grid.regions import list_regions
from planner.ids import as_id, as_index
from planner.jobs.views import redirect_to_job
from planner.portfolios import selectors, services
from planner.portfolios.models import Portfolio, PortfolioRun
from planner.portfolios.validation import MAX_MEMBERS, PortfolioInputError
from planner.scenarios import selectors as scenario_selectors
from planner.scenarios.custom_catalog import own_entries
from planner.scenarios.models import Scenario, Upload
from planner.scenarios.views.common import require_editor

BLANK_ROWS = 3  # empty member rows offered on the form


@login_required
@require_GET
def portfolio_list(request: HttpRequest) -> HttpResponse:
    runs = Prefetch("runs", queryset=selectors.portfolio_runs_for_list(PortfolioRun.objects.all()))
    portfolios = selectors.portfolios_for_user(request.user).prefetch_related("members", runs)
    can_create = scenario_selectors.editable_organisations(request.user).exists()
    return render(request, "portfolios/list.html", {"portfolios": portfolios, "can_create": can_create})


def _ramp(text: str) -> list[Any]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    out: list[Any] = []
    for part in parts:
        try:
            out.append(float(part.rstrip("%")) / (100 if part.endswith("%") else 1))
        except ValueError:
            out.append(part)  # reported by validation with its field path
    return out


def _posted(request: HttpRequest) -> dict[str, Any]:
    """The form's fields → the definition portfolio_validate takes (blank member rows ignored)."""
    post = request.POST
    members = []
    # Rows offered: the members and a few blank ones; a forged count is capped, not a 500 or a long loop.
    for i in range(min(as_index(post.get("member_rows", "0")) or 0, MAX_MEMBERS + BLANK_ROWS + 1)):
        scenario = post.get(f"member-{i}-scenario", "").strip()
        if not scenario:
            continue
        members.append(
            {
                "scenario": scenario,
                "region": post.get(f"member-{i}-region", "").strip(),
                "in_service_year": post.get(f"member-{i}-in_service_year", "").strip(),
                "ramp": _ramp(post.get(f"member-{i}-ramp", "")),
                "ramp_unit": post.get(f"member-{i}-ramp_unit", "share"),
            }
        )
    return {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "start_year": post.get("start_year", "").strip(),
        "end_year": post.get("end_year", "").strip(),
        "system_load_upload": post.get("system_load_upload") or None,
        "system_load_region": post.get("system_load_region", "").strip(),
        "members": members,
    }


def _form_context(request: HttpRequest, organisation_id: int, data: dict[str, Any], errors: dict) -> dict[str, Any]:
    rows = [dict(m) for m in data.get("members", [])]
    for row in rows:
        ramp = row.get("ramp") or []
        row["ramp_text"] = ", ".join(f"{v:g}" if isinstance(v, float | int) else str(v) for v in ramp)
    rows += [{"ramp_text": "1", "ramp_unit": "share"} for _ in range(BLANK_ROWS)]
    return {
        "data": data,
        "rows": rows,
        "errors": errors,
        "scenarios": Scenario.objects.filter(organisation_id=organisation_id).order_by("name"),
        "uploads": Upload.objects.filter(organisation_id=organisation_id, kind="system_load"),
        # The organisation's own regions first (planner/scenarios/custom_catalog.py), then the shipped ones.
        "regions": [*own_entries(kind="regions", organisation_ids=[organisation_id]), *list_regions()],
        "ramp_units": RAMP_UNITS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_create(request: HttpRequest) -> HttpResponse:
    organisations = scenario_selectors.editable_organisations(request.user)
    organisation = organisations.first()
    if organisation is None:
        require_editor(request.user, -1, "create portfolios")
    assert organisation is not None
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    if chosen:
        organisation = organisations.filter(pk=as_id(chosen) or -1).first() or organisation
    data: dict[str, Any] = {"name": "", "start_year": 2026, "end_year": 2035, "members": []}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = _posted(request)
        try:
            portfolio = services.portfolio_create(owner=request.user, organisation=organisation, data=data)
        except PortfolioInputError as error:
            errors = error.errors
        else:
            return redirect("portfolio-detail", portfolio_id=portfolio.pk)
    context = _form_context(request, organisation.pk, data, errors)
    context |= {"organisations": organisations, "organisation": organisation, "portfolio": None}
    return render(request, "portfolios/edit.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_edit(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = selectors.portfolio_for_user(request.user, portfolio_id)
    require_editor(request.user, portfolio.organisation_id, "edit portfolios")
    data, errors = services.portfolio_document(portfolio), {}
    if request.method == "POST":
        data = _posted(request)
        try:
            services.portfolio_update(portfolio=portfolio, data=data)
        except PortfolioInputError as error:
            errors = error.errors
        else:
            return redirect("portfolio-detail", portfolio_id=portfolio.pk)
    context = _form_context(request, portfolio.organisation_id, data, errors)
    context |= {"organisation": portfolio.organisation, "portfolio": portfolio}
    return render(request, "portfolios/edit.html", context, status=400 if errors else 200)


@login_required
@require_GET
def portfolio_detail(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = selectors.portfolio_for_user(request.user, portfolio_id)
    others = selectors.portfolios_for_user(request.user).exclude(pk=portfolio.pk)
    context = {
        "portfolio": portfolio,
        "members": portfolio.members.select_related("scenario"),
        "runs": selectors.portfolio_runs_for_list(portfolio.runs.all())[:20],
        "can_edit": scenario_selectors.can_edit(request.user, portfolio.organisation_id),
        "others": others,
    }
    return render(request, "portfolios/detail.html", context)


@login_required
@require_POST
def portfolio_run_create(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = selectors.portfolio_for_user(request.user, portfolio_id)
    require_editor(request.user, portfolio.organisation_id, "run portfolios")
    return redirect_to_job(
        request,
        lambda: services.portfolio_run_submit(portfolio=portfolio, submitted_by=request.user),
        url_name="portfolio-run",
        what="portfolio run",
    )


@login_required
@require_GET
def portfolio_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.portfolio_run_for_user(request.user, run_id)
    result = run.result if run.status in selectors.COMPLETED else None
    context = {"run": run, "portfolio": run.portfolio, "result": result}
    if result:
        context |= {
            "constraints": run.constraints,
            "report_links": [
                (reverse("portfolio-report-file", args=[run.pk, kind]), label)
                for kind, label in (("pdf", "PDF report"), ("xlsx", "Excel workbook"), ("csv", "CSV of the years"))
            ],
        }
    return render(request, "portfolios/run.html", context)


@login_required
@require_GET
def portfolio_run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    run = selectors.portfolio_run_for_user(request.user, run_id)
    return JsonResponse(
        {
            "status": run.status,
            "stage": run.stage,
            "progress_frac": run.progress_frac,
            "error": run.error,
            "finished": run.is_finished,
        }
    )


@login_required
@require_GET
def portfolio_compare(request: HttpRequest) -> HttpResponse:
    """Two portfolios side by side: the latest succeeded run of each (?a=<id>&b=<id>)."""
    picked: list[tuple[Portfolio, Any]] = []
    for key in ("a", "b"):
        portfolio_id = as_id(request.GET.get(key, ""))
        if portfolio_id is None:
            raise Http404(f"compare needs ?a=<portfolio id>&b=<portfolio id>; {key!r} is missing")
        portfolio = selectors.portfolio_for_user(request.user, portfolio_id)
        picked.append((portfolio, selectors.latest_succeeded_run(portfolio)))
    return render(request, "portfolios/compare.html", {"picked": picked})
