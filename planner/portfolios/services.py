"""Writes: create and edit portfolios, submit and execute portfolio runs. Views, API and tasks call these."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from grid import portfolio as core
from grid import system_load as grid_system_load
from grid.portfolio_checks import missed_constraints
from grid.regions import hourly_series
from planner.engine.result import hourly_from_npz
from planner.engine.runner import run_scenario
from planner.engine.schema import parse_scenario
from planner.ids import as_id
from planner.jobs.deletion import refuse_while_in_progress
from planner.jobs.lifecycle import JobFailure, job_dispatch
from planner.jobs.models import JobStatus
from planner.portfolios.models import Portfolio, PortfolioMember, PortfolioRun
from planner.portfolios.validation import PortfolioInputError, own_region, portfolio_validate, region_of
from planner.scenarios.custom_catalog import inputs_with_custom_entries
from planner.scenarios.models import Organisation, Run, RunHourly, RunStatus, Scenario, Upload

logger = logging.getLogger(__name__)
ProgressFn = Callable[[str, float], None]
PORTFOLIO_RUN_JOB = "portfolio_run"  # the job kind (planner.jobs)
LOAD_SERIES = "facility_power_mw"  # the run's hourly facility load (planner/engine/facility_stage.py)
# With a flexibility section the member counts the meter load its dispatch leaves (flex_stage.py):
# its firm MW at the system peak comes from the dispatch, not from the load as planned.
DISPATCHED_SERIES = "flex_meter_mw"
DISPATCHED_NOTE = "; the meter load after its flexibility dispatch (firm MW from the dispatch)"


def portfolio_document(portfolio: Portfolio) -> dict[str, Any]:
    """The portfolio's definition in the shape portfolio_validate takes (forms, API, run snapshots)."""
    return {
        "name": portfolio.name,
        "description": portfolio.description,
        "start_year": portfolio.start_year,
        "end_year": portfolio.end_year,
        "system_load_upload": portfolio.system_load_upload_id,
        "system_load_region": portfolio.system_load_region,
        "members": [
            {
                "scenario": m.scenario_id,
                "region": m.region,
                "in_service_year": m.in_service_year,
                "ramp": list(m.ramp),
                "ramp_unit": m.ramp_unit,
            }
            for m in portfolio.members.all()
        ],
    }


def _save(portfolio: Portfolio, cleaned: dict[str, Any]) -> Portfolio:
    for key in ("name", "description", "start_year", "end_year", "system_load_region"):
        setattr(portfolio, key, cleaned[key])
    portfolio.system_load_upload_id = cleaned["system_load_upload"]
    portfolio.save()
    portfolio.members.all().delete()
    PortfolioMember.objects.bulk_create(
        PortfolioMember(portfolio=portfolio, position=i, scenario_id=m["scenario"], **_member_fields(m))
        for i, m in enumerate(cleaned["members"])
    )
    return portfolio


def _member_fields(member: dict[str, Any]) -> dict[str, Any]:
    return {k: member[k] for k in ("region", "in_service_year", "ramp", "ramp_unit")}


@transaction.atomic
def portfolio_create(*, owner: AbstractBaseUser, organisation: Organisation, data: Any) -> Portfolio:
    cleaned = portfolio_validate(data, organisation_id=organisation.pk)
    return _save(Portfolio(organisation=organisation, owner=owner), cleaned)


@transaction.atomic
def portfolio_update(*, portfolio: Portfolio, data: Any) -> Portfolio:
    cleaned = portfolio_validate(data, organisation_id=portfolio.organisation_id)
    return _save(portfolio, cleaned)


def portfolio_delete(*, portfolio: Portfolio) -> None:
    """Delete the portfolio and its runs; JobsInProgress (409) while a run is queued or running."""
    with transaction.atomic():
        locked = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
        refuse_while_in_progress(locked.runs.all(), what="portfolio")
        locked.runs.all().delete()
        locked.delete()


def portfolio_run_inputs(portfolio: Portfolio) -> dict[str, Any]:
    """The run's snapshot: the definition, plus each own region a member names (slug → definition),
    so the run stays reproducible when the region is edited or deleted later."""
    document = portfolio_document(portfolio)
    own = {}
    for member in document["members"]:
        definition = own_region(member["region"], organisation_id=portfolio.organisation_id)
        if definition is not None:
            own[member["region"]] = definition
    if own:
        document["own_regions"] = own
    return document


def portfolio_run_submit(
    *, portfolio: Portfolio, submitted_by: AbstractBaseUser, idempotency_key: str = ""
) -> tuple[PortfolioRun, bool]:
    """Queue a study of the portfolio's current definition; (run, created). Dispatched after commit.

    Raises JobQueueUnavailable (from the commit) when the broker cannot take the job: the run is
    then stored as failed with the reason, and its Idempotency-Key released.
    """
    with transaction.atomic():
        Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()  # one check-and-create at a time
        if idempotency_key:
            existing = PortfolioRun.objects.filter(portfolio=portfolio, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        run = PortfolioRun.objects.create(
            portfolio=portfolio,
            submitted_by=submitted_by,
            inputs=portfolio_run_inputs(portfolio),
            idempotency_key=idempotency_key,
        )
        job_dispatch(kind=PORTFOLIO_RUN_JOB, job_id=run.pk)
    return run, True


# ---- the study ----------------------------------------------------------------------------------


def member_load(scenario: Scenario) -> tuple[np.ndarray, str]:
    """Hourly facility load [MW] of the scenario: its latest succeeded run's, else computed now; the
    dispatched meter load when the scenario has a flexibility section."""
    run = (
        Run.objects.filter(scenario=scenario, status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .only("pk", "scenario_version")
        .first()
    )
    row = RunHourly.objects.filter(run=run).first() if run is not None else None
    if row is not None:
        arrays = hourly_from_npz(row.npz)
        source = f"run #{run.pk} (scenario version {run.scenario_version}), latest succeeded"
        if DISPATCHED_SERIES in arrays:
            return arrays[DISPATCHED_SERIES], source + DISPATCHED_NOTE
        if LOAD_SERIES in arrays:
            return arrays[LOAD_SERIES], source
    from planner.scenarios.selectors import upload_inputs_for_spec

    inputs = inputs_with_custom_entries(scenario.inputs, organisation_id=scenario.organisation_id)
    spec = parse_scenario(inputs)
    weather, uploads = upload_inputs_for_spec(spec, organisation_id=scenario.organisation_id)
    result = run_scenario(spec, weather=weather, uploads=uploads)
    source = f"computed in this job from scenario version {scenario.version} (no succeeded run)"
    if DISPATCHED_SERIES in result.hourly:
        return result.hourly[DISPATCHED_SERIES], source + DISPATCHED_NOTE
    return result.hourly[LOAD_SERIES], source


@dataclass(frozen=True)
class StudySystemLoad:
    load_mw: np.ndarray  # (history years, 8,760) [MW] at the base year's level
    scale_by_year: list[float]  # growth factor of each study year over the base year
    source: str
    real_hours: bool  # False: a smooth month × hour profile (curtailment not assessed)


def system_load(region_slug: str, inputs: dict[str, Any], years: list[int], *, organisation_id: int) -> StudySystemLoad:
    """The region's system load for the study: an upload (its year is the base), the region's real
    hours (grid.system_load), else its smooth month × hour profile; grown by load_growth_frac_per_year.
    An uploaded system load is read only from the portfolio's own organisation."""
    region = region_of(region_slug, inputs.get("own_regions"))
    if inputs.get("system_load_upload") and inputs.get("system_load_region") == region_slug:
        upload_id = inputs["system_load_upload"]
        upload = Upload.objects.filter(
            pk=as_id(upload_id) or -1, organisation_id=organisation_id, kind="system_load"
        ).first()
        if upload is None:
            raise PortfolioInputError(
                {"system_load_upload": [f"no system_load upload #{upload_id} in this organisation"]}
            )
        arrays = hourly_from_npz(upload.npz)
        summary = upload.summary or {}
        history_years = summary.get("history_years") or []
        if "system_load_years_mw" in arrays and history_years:
            values, base = arrays["system_load_years_mw"], int(history_years[-1])
            span = f"{history_years[0]}–{history_years[-1]}, {len(history_years)} years"
        else:
            values, base = arrays["system_load_mw"][None, :], int(summary.get("year") or years[0])
            span = str(base)
        scales = [grid_system_load.growth_factor(region, year=y, base_year=base) for y in years]
        return StudySystemLoad(
            values,
            scales,
            f"uploaded hourly system load #{upload.pk} {upload.name!r} ({span}), grown "
            f"{100 * region.value('load_growth_frac_per_year'):.2f} %/yr from {base}",
            True,
        )
    if grid_system_load.has_system_load(region):
        history = grid_system_load.system_load_history(region, year=years[0])
        scales = [grid_system_load.growth_factor(region, year=y, base_year=history.base_year) for y in years]
        return StudySystemLoad(history.load_mw / history.growth_factor, scales, history.method, True)
    shape, method = hourly_series(region, kind="system_load", level=1.0)
    peak = region.value("system_peak_mw")
    scales = [grid_system_load.growth_factor(region, year=y, base_year=years[0]) for y in years]
    return StudySystemLoad(
        (shape * peak / shape.max())[None, :],
        scales,
        f"{method}, rescaled so its maximum is system_peak_mw {peak:,.0f} MW: a smooth month × hour mean (no weather "
        "peaks); headroom: the region's published figures; curtailment not assessed — upload an hourly system load",
        False,
    )


def _members(inputs: dict[str, Any], progress: ProgressFn, organisation_id: int) -> list[dict[str, Any]]:
    ids = [m["scenario"] for m in inputs["members"]]
    scenarios = Scenario.objects.filter(organisation_id=organisation_id).in_bulk(ids)  # the portfolio's own only
    out, names = [], set()
    for i, member in enumerate(inputs["members"]):
        progress(f"facility load {i + 1} of {len(inputs['members'])}", 0.1 + 0.6 * i / len(inputs["members"]))
        scenario = scenarios.get(member["scenario"])
        if scenario is None:
            raise PortfolioInputError({f"members[{i}].scenario": ["the scenario no longer exists"]})
        power, source = member_load(scenario)
        name, n = scenario.name, 2
        while name in names:
            name, n = f"{scenario.name} ({n})", n + 1
        names.add(name)
        out.append({**member, "name": name, "power_mw": power, "load_source": source, "scenario_name": scenario.name})
    return out


def portfolio_study(inputs: dict[str, Any], progress: ProgressFn, *, organisation_id: int) -> dict[str, Any]:
    """Gather each member's load and each region's system load, run grid.portfolio per region.
    Scenarios and uploads are read from the portfolio's organisation only."""
    members = _members(inputs, progress, organisation_id)
    years = list(range(inputs["start_year"], inputs["end_year"] + 1))
    regions: dict[str, Any] = {}
    slugs = sorted({m["region"] for m in members})
    for k, slug in enumerate(slugs):
        progress(f"studying {slug}", 0.7 + 0.3 * k / len(slugs))
        load = system_load(slug, inputs, years, organisation_id=organisation_id)
        region = region_of(slug, inputs.get("own_regions"))
        chosen = [m for m in members if m["region"] == slug]
        try:
            result = core.portfolio_study(
                members=[
                    core.Member(m["name"], m["power_mw"], m["in_service_year"], tuple(m["ramp"]), m["ramp_unit"])
                    for m in chosen
                ],
                years=years,
                region=region,
                system_load_mw=load.load_mw,
                load_scale_by_year=load.scale_by_year,
                real_hours=load.real_hours,
            )
        except core.PortfolioError as error:
            index = members.index(chosen[0]) if error.field.startswith("members[") else None
            path = error.field if index is None else _global_path(error.field, chosen, members)
            raise PortfolioInputError({path: [str(error).split(": ", 1)[-1]]}) from None
        regions[slug] = result.to_dict() | {
            "region_name": region.name,
            "geography": region.geography,
            "system_load_source": load.source,
            "real_hours": load.real_hours,
        }
    return {
        "years": years,
        "members": [
            {k: m[k] for k in ("name", "scenario", "scenario_name", "region", "in_service_year", "ramp", "ramp_unit")}
            | {"load_source": m["load_source"]}
            | _member_peaks(m, years)
            for m in members
        ],
        "regions": regions,
        "method": core.__doc__.strip().split("\n\n")[0],
    }


def _member_peaks(member: dict[str, Any], years: list[int]) -> dict[str, float]:
    """The member's peak in the horizon's last year (after its ramp) and at full build (the scenario's peak)."""
    full_build_mw = float(np.max(member["power_mw"]))
    ramp = core.Member(
        member["name"], member["power_mw"], member["in_service_year"], tuple(member["ramp"]), member["ramp_unit"]
    )
    final_share = float(core.ramp_scale([ramp], years)[0, -1])  # the ramp was validated with the region above
    return {"final_peak_mw": round(final_share * full_build_mw, 3), "full_build_peak_mw": round(full_build_mw, 3)}


def _global_path(field: str, chosen: list[dict], members: list[dict]) -> str:
    """members[i] within one region's list → members[j] of the whole portfolio."""
    local = int(field[len("members[") : field.index("]")])
    return f"members[{members.index(chosen[local])}]" + field[field.index("]") + 1 :]


def portfolio_run_execute(job_id: int, progress: ProgressFn) -> str:
    """The job's work (JobKind "portfolio_run"): compute and store the result; bad input fails it with the reason."""
    run = PortfolioRun.objects.select_related("portfolio").get(pk=job_id)
    started = time.perf_counter()
    progress("facility loads", 0.05)
    try:
        document = portfolio_study(run.inputs, progress, organisation_id=run.portfolio.organisation_id)
    except PortfolioInputError as error:
        raise JobFailure(f"invalid portfolio: {error}") from error
    # A portfolio beyond its headroom (grid.portfolio_checks) is completed, not "succeeded"; the
    # constraints are stored in the result, as a run's are, so lists read them without the result.
    document["constraints"] = missed_constraints(document)
    PortfolioRun.objects.filter(pk=job_id).update(result=document, compute_s=time.perf_counter() - started)
    return JobStatus.CONSTRAINTS_NOT_MET if document["constraints"] else JobStatus.SUCCEEDED
