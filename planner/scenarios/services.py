"""Writes: create scenarios, submit and execute runs. Views, API, CLI and tasks call these."""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from planner.engine.result import hourly_to_npz
from planner.engine.runner import CODE_VERSION, input_hash, run_scenario
from planner.engine.schema import ScenarioError, parse_scenario
from planner.scenarios.custom_catalog import inputs_with_custom_entries
from planner.scenarios.models import Organisation, Run, RunHourly, RunStatus, Scenario, ScenarioRevision
from planner.scenarios.validation import scenario_validate

logger = logging.getLogger(__name__)


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
    """Queue a run of the scenario's current inputs; the job is dispatched after commit."""
    from planner.scenarios.tasks import run_execute_task

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
        transaction.on_commit(lambda: run_execute_task.delay(run.pk))
    return run


def run_resubmit(*, run: Run, submitted_by: AbstractBaseUser) -> Run:
    """Re-run a failed (or finished) run's own inputs snapshot as a new run."""
    from planner.scenarios.tasks import run_execute_task

    with transaction.atomic():
        new_run = Run.objects.create(
            scenario=run.scenario,
            scenario_version=run.scenario_version,
            inputs=run.inputs,
            input_hash=run.input_hash,
            submitted_by=submitted_by,
            code_version=CODE_VERSION,
        )
        transaction.on_commit(lambda: run_execute_task.delay(new_run.pk))
    return new_run


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_claim(*, run_id: int) -> bool:
    """Claim a queued run (or one whose worker stopped heart-beating) with one conditional UPDATE.

    Returns False when another worker holds it or it is finished: a re-delivered message then
    does nothing.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.RUN_STALE_AFTER_S)
    claimed = (
        Run.objects.filter(pk=run_id)
        .filter(Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale_before))
        .update(
            status=RunStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            worker=_worker_name(),
            stage="starting",
            progress_frac=0.0,
            error="",
        )
    )
    return claimed == 1


def run_fail(*, run_id: int, reason: str) -> None:
    Run.objects.filter(pk=run_id).exclude(status=RunStatus.SUCCEEDED).update(
        status=RunStatus.FAILED, error=reason[:10_000], finished_at=timezone.now()
    )


def _test_stage_delay_s() -> float:
    # Lets the worker-kill test hold a run in "running" long enough to kill the worker.
    return float(os.environ.get("PLANNER_TEST_STAGE_DELAY_S", "0") or 0)


def run_execute(*, run_id: int) -> Run | None:
    """Claim and compute a run, storing the result in the database. Idempotent."""
    if not run_claim(run_id=run_id):
        logger.info("run %s not claimed (finished or held by a live worker)", run_id)
        return None
    run = Run.objects.get(pk=run_id)
    if run.attempts > settings.RUN_MAX_ATTEMPTS:
        run_fail(run_id=run_id, reason=f"gave up after {run.attempts - 1} attempts: the worker was lost each time")
        return Run.objects.get(pk=run_id)

    delay_s = _test_stage_delay_s()

    def progress(stage: str, frac: float) -> None:
        Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            stage=stage[:100], progress_frac=max(0.0, min(1.0, frac)), heartbeat_at=timezone.now()
        )
        if delay_s:
            time.sleep(delay_s)

    started = time.perf_counter()
    try:
        spec = parse_scenario(run.inputs)
        # Uploaded hourly files the scenario references (weather, carbon, price, system load).
        from planner.scenarios.selectors import upload_inputs_for_spec

        weather, uploads = upload_inputs_for_spec(spec, organisation_id=run.scenario.organisation_id)
        result = run_scenario(spec, progress=progress, weather=weather, uploads=uploads)
        document = result.to_dict(hourly=False)
        blob = hourly_to_npz(result.hourly)
    except ScenarioError as error:
        run_fail(run_id=run_id, reason=f"invalid scenario: {error}")
        return Run.objects.get(pk=run_id)
    except SoftTimeLimitExceeded:
        run_fail(run_id=run_id, reason=f"stopped at the time limit of {settings.RUN_SOFT_TIME_LIMIT_S} s")
        return Run.objects.get(pk=run_id)
    except Exception as error:  # the job must record why it failed, whatever failed
        logger.exception("run %s failed", run_id)
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        run_fail(run_id=run_id, reason=f"computation failed: {detail}")
        return Run.objects.get(pk=run_id)

    with transaction.atomic():
        RunHourly.objects.update_or_create(run_id=run_id, defaults={"npz": blob})
        Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.SUCCEEDED,
            result=document,
            stage="done",
            progress_frac=1.0,
            finished_at=timezone.now(),
            compute_s=time.perf_counter() - started,
        )
    # The result page's efficiency-lever chart: three more runs, each with one lever applied,
    # computed here after the run has succeeded so its result shows at once (issue 6).
    try:
        run_levers_compute(run_id=run_id)
    except Exception:  # the page computes them on first view if this failed
        logger.exception("lever variants of run %s failed", run_id)
    return Run.objects.get(pk=run_id)


def run_recover_stale() -> list[int]:
    """Requeue runs whose worker vanished (no heartbeat); fail those past the attempt limit.

    Called when a worker starts and whenever a run's status is read, so a run is never stuck in
    "running" forever even if the broker never re-delivers its message.
    """
    from planner.scenarios.tasks import run_execute_task

    stale_before = timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER_S)
    stale = list(
        Run.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=stale_before).values_list("pk", "attempts")
    )
    requeued: list[int] = []
    for run_id, attempts in stale:
        if attempts >= settings.RUN_MAX_ATTEMPTS:
            run_fail(run_id=run_id, reason=f"the worker was lost {attempts} times; re-run to try again")
            continue
        updated = Run.objects.filter(pk=run_id, status=RunStatus.RUNNING, heartbeat_at__lt=stale_before).update(
            status=RunStatus.QUEUED, stage="requeued after a lost worker"
        )
        if updated:
            requeued.append(run_id)
            transaction.on_commit(lambda run_id=run_id: run_execute_task.delay(run_id))
    return requeued


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
    second call returns the stored data).
    """
    from planner.engine.levers import lever_variants
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
            except Exception as error:  # one failing variant must not hide the others
                row["error"] = traceback.format_exception_only(type(error), error)[-1].strip()
        rows.append(row)
    data = {"rows": rows, "method": "each lever applied alone to this run's inputs, same runner and uploads"}
    RunLevers.objects.get_or_create(run_id=run_id, defaults={"data": data})
    return data
