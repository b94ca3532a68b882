"""Writes: create scenarios, submit and execute runs. Views, API, CLI and tasks call these."""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from planner.engine.result import hourly_to_npz
from planner.engine.runner import CODE_VERSION, input_hash, run_scenario
from planner.engine.schema import ScenarioError, parse_scenario
from planner.jobs.lifecycle import HANDED_OFF, JobFailure, ProgressFn, job_dispatch, job_finish, job_run
from planner.scenarios.custom_catalog import inputs_with_custom_entries
from planner.scenarios.models import Organisation, Run, RunHourly, RunStatus, Scenario, ScenarioRevision
from planner.scenarios.validation import scenario_validate

logger = logging.getLogger(__name__)

RUN_JOB = "run"  # the JobKind name (registered in planner.scenarios.apps)


class PermissionDenied(Exception):
    """The user may not do this in this organisation."""


def scenario_create(
    *, owner: AbstractBaseUser, organisation: Organisation, inputs: dict[str, Any], name: str | None = None
) -> Scenario:
    """Validate and store a scenario; raises ScenarioError naming each bad field."""
    spec = scenario_validate(inputs, organisation_id=organisation.pk)
    document = spec.model_dump(mode="json")
    with transaction.atomic():
        scenario = Scenario.objects.create(
            organisation=organisation,
            owner=owner,
            name=name or spec.name,
            inputs=document,
            schema_version=spec.schema_version,
        )
        ScenarioRevision.objects.create(scenario=scenario, version=1, inputs=document, author=owner)
    return scenario


def scenario_update(*, scenario: Scenario, author: AbstractBaseUser, inputs: dict[str, Any]) -> Scenario:
    """Save new inputs as the next version; earlier versions stay in the history."""
    spec = scenario_validate(inputs, organisation_id=scenario.organisation_id)
    document = spec.model_dump(mode="json")
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if document == locked.inputs:
            return locked
        locked.inputs = document
        locked.name = spec.name
        locked.schema_version = spec.schema_version
        locked.version += 1
        locked.save()
        ScenarioRevision.objects.create(scenario=locked, version=locked.version, inputs=document, author=author)
    return locked


def scenario_clone(*, scenario: Scenario, owner: AbstractBaseUser) -> Scenario:
    inputs = dict(scenario.inputs)
    inputs["name"] = f"{scenario.name} (copy)"[:200]
    return scenario_create(owner=owner, organisation=scenario.organisation, inputs=inputs)


def run_submit(*, scenario: Scenario, submitted_by: AbstractBaseUser, idempotency_key: str = "") -> Run:
    """Queue a run of the scenario's current inputs; the job is dispatched after commit.

    Raises JobQueueUnavailable (from the commit) when the broker cannot take the job: the run
    is then stored as failed with the reason, and its Idempotency-Key released.
    """
    with transaction.atomic():
        if idempotency_key:
            existing = Run.objects.filter(scenario=scenario, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        inputs = inputs_with_custom_entries(scenario.inputs, organisation_id=scenario.organisation_id)
        run = Run.objects.create(
            scenario=scenario,
            scenario_version=scenario.version,
            inputs=inputs,
            input_hash=input_hash(inputs),
            submitted_by=submitted_by,
            idempotency_key=idempotency_key,
            code_version=CODE_VERSION,
        )
        job_dispatch(kind=RUN_JOB, job_id=run.pk)
    return run


def run_resubmit(*, run: Run, submitted_by: AbstractBaseUser) -> Run:
    """Re-run a failed, stuck or finished run's own inputs snapshot as a new run."""
    with transaction.atomic():
        new_run = Run.objects.create(
            scenario=run.scenario,
            scenario_version=run.scenario_version,
            inputs=run.inputs,
            input_hash=run.input_hash,
            submitted_by=submitted_by,
            code_version=CODE_VERSION,
        )
        job_dispatch(kind=RUN_JOB, job_id=new_run.pk)
    return new_run


def run_execute(*, run_id: int) -> Run | None:
    """Claim and compute a run now, in this process (CLI, tests, benchmarks). Idempotent:
    None when the run was not claimed (finished, or held by a live worker)."""
    if not job_run(kind=RUN_JOB, job_id=run_id):
        return None
    return Run.objects.get(pk=run_id)


def run_compute(run_id: int, progress: ProgressFn) -> object:
    """The run job's work (planner.jobs JobKind "run"): compute, store the result, finish.

    The run is marked finished before its efficiency-lever variants are computed, so the result
    page shows at once; hence HANDED_OFF (this function called job_finish itself).
    """
    from planner.scenarios.selectors import upload_inputs_for_spec

    started = time.perf_counter()
    run = Run.objects.select_related("scenario").get(pk=run_id)
    try:
        spec = parse_scenario(run.inputs)
    except ScenarioError as error:
        raise JobFailure(f"invalid scenario: {error}") from error
    # Uploaded hourly files the scenario references (weather, carbon, price, system load).
    weather, uploads = upload_inputs_for_spec(spec, organisation_id=run.scenario.organisation_id)
    result = run_scenario(spec, progress=progress, weather=weather, uploads=uploads)
    document = result.to_dict(hourly=False)
    blob = hourly_to_npz(result.hourly)
    with transaction.atomic():
        RunHourly.objects.update_or_create(run_id=run_id, defaults={"npz": blob})
        Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(result=document)
    status = RunStatus.CONSTRAINTS_NOT_MET if document.get("constraints") else RunStatus.SUCCEEDED
    job_finish(kind=RUN_JOB, job_id=run_id, status=status, compute_s=time.perf_counter() - started)
    # The result page's efficiency-lever chart: three more runs, each with one lever applied,
    # computed here after the run has finished so its result shows at once (issue 6).
    try:
        run_levers_compute(run_id=run_id)
    except Exception:  # the page computes them on first view if this failed
        logger.exception("lever variants of run %s failed", run_id)
    return HANDED_OFF


# ---- uploads, organisation members and efficiency levers (issue 6) ------------------------------


def upload_create(
    *,
    organisation: Organisation,
    uploaded_by: AbstractBaseUser,
    kind: str,
    name: str,
    content: bytes,
    filename: str = "",
    column: str | None = None,
    year: int | None = None,
    scale: float = 1.0,
):
    """Parse an hourly file and store its arrays; raises UploadError naming the row and column."""
    from planner.scenarios.models import Upload
    from planner.scenarios.uploads import parse_upload

    parsed = parse_upload(kind=kind, content=content, filename=filename, column=column, year=year, scale=scale)
    return Upload.objects.create(
        organisation=organisation,
        uploaded_by=uploaded_by,
        kind=kind,
        name=name[:200],
        filename=filename[:255],
        npz=hourly_to_npz(parsed.arrays),
        summary=parsed.summary,
    )


def membership_set(*, organisation: Organisation, username: str, role: str, by: AbstractBaseUser):
    """Add a user to the organisation or change their role (admins only, checked by the caller)."""
    from django.contrib.auth import get_user_model

    from planner.scenarios.models import Membership, Role

    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}, not {role!r}")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"no user named {username!r}")
    if user == by and role != Role.ADMIN:
        raise ValueError("you cannot lower your own role; ask another admin")
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    return membership


def _lever_headline(row: dict[str, Any], baseline: dict[str, Any], variant: Any) -> None:
    """Tokens per MW against the plan, and the uncertainty band of an uncalibrated device (p10/p90)."""
    before, after = baseline.get("tokens_per_mw"), row.get("tokens_per_mw")
    gain = f"{100 * (after / before - 1):+.0f}% tokens per MW" if before and after else ""
    if variant.uncertainty and row.get("peak_facility_power_mw") is not None:
        band = variant.uncertainty
        row["band"] = {
            q: {"peak_facility_power_mw": row["peak_facility_power_mw"] * m, "tco2e": (row.get("tco2e") or 0.0) * m}
            for q, m in band.items()
        }
        gain += f" (energy p10–p90 ×{band['p10']:g}–×{band['p90']:g}: uncalibrated device)"
    if variant.lever == "power_limit":
        row["headline"] = "; ".join(c.split(": ", 1)[-1] for c in variant.changes) + (f": {gain}" if gain else "")
    elif gain:
        row["headline"] = gain


def run_levers_compute(*, run_id: int) -> dict[str, Any]:
    """Compute and store the efficiency-lever variants of a succeeded run; returns the stored data.

    Each lever (MoE, pruning, quantization, power limit, specialised hardware) is applied alone to the
    run's own inputs snapshot and run through the same runner with the same uploads; idempotent (a
    second call returns the stored data). Each row carries the KPIs and, per workload, the $/Mtok of
    its own TCO allocation (``usd_per_mtok_by_workload``; data stored before it was added lacks it).
    """
    from grid.tco_allocation import RULE as ALLOCATION_RULE
    from planner.engine.levers import lever_variants, workload_costs
    from planner.scenarios.kpis import kpi_value
    from planner.scenarios.models import RunLevers
    from planner.scenarios.selectors import upload_inputs_for_spec

    stored = RunLevers.objects.filter(run_id=run_id).first()
    if stored is not None:
        return stored.data
    run = Run.objects.select_related("scenario").get(pk=run_id)
    spec = parse_scenario(run.inputs)
    weather, uploads = upload_inputs_for_spec(spec, organisation_id=run.scenario.organisation_id)
    rows = [
        {
            "lever": "baseline",
            "label": "As planned",
            "changes": [],
            "peak_facility_power_mw": kpi_value(run.result or {}, "peak_mw"),
            "annual_energy_gwh": kpi_value(run.result or {}, "annual_gwh"),
            "tco2e": kpi_value(run.result or {}, "tco2e"),
            "tokens_per_mw": kpi_value(run.result or {}, "tokens_per_mw"),
            "usd_per_mtok": kpi_value(run.result or {}, "usd_per_mtok"),
            "usd_per_mtok_by_workload": workload_costs(run.result or {}),
            "error": "",
        }
    ]
    for variant in lever_variants(spec):
        row = {"lever": variant.lever, "label": variant.label, "changes": list(variant.changes), "error": ""}
        if not variant.applicable:
            row["error"] = "not applicable: " + "; ".join(variant.changes)
        else:
            try:
                result = run_scenario(variant.spec, weather=weather, uploads=uploads).to_dict(hourly=False)
                row["peak_facility_power_mw"] = kpi_value(result, "peak_mw")
                row["annual_energy_gwh"] = kpi_value(result, "annual_gwh")
                row["tco2e"] = kpi_value(result, "tco2e")
                row["tokens_per_mw"] = kpi_value(result, "tokens_per_mw")
                _lever_headline(row, rows[0], variant)
                row["usd_per_mtok"] = kpi_value(result, "usd_per_mtok")
                row["usd_per_mtok_by_workload"] = workload_costs(result)  # which workload the lever helps
            except Exception as error:  # one failing variant must not hide the others
                row["error"] = traceback.format_exception_only(type(error), error)[-1].strip()
        rows.append(row)
    data = {
        "rows": rows,
        "method": "each lever applied alone to this run's inputs, same runner and uploads",
        "usd_per_mtok_by_workload_method": f"each variant's own TCO allocated to its workloads: {ALLOCATION_RULE}",
    }
    RunLevers.objects.get_or_create(run_id=run_id, defaults={"data": data})
    return data
