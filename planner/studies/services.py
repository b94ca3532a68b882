"""Writes of studies and the fan-out of a study run (thin over the pure core, planner.engine.studies).

A study run is a job of kind "study" on the shared lifecycle. Its execute() works out the points
not yet stored, sends them as a Celery chord — a group of chunk tasks, each computing a few points
and storing each point's row as it arrives, and a callback that aggregates and calls job_finish —
and returns HANDED_OFF. A re-run after a crash (the lifecycle's recovery calls execute() again)
sends only the missing points. Without a broker (embedded mode) Celery runs the same chord eagerly,
in-process.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from celery import chord, group
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from planner.engine.schema import ScenarioError
from planner.engine.studies import definition as defs
from planner.engine.studies.aggregate import summarise
from planner.engine.studies.optimise import candidate_space, next_round, option_indices
from planner.engine.studies.points import PointOutcome, evaluate_point, relative_names, study_plan
from planner.engine.sweep import SweepError
from planner.jobs.deletion import refuse_while_in_progress
from planner.jobs.lifecycle import HANDED_OFF, JobFailure, ProgressFn, job_dispatch, job_fail, job_finish, job_heartbeat
from planner.jobs.models import JobStatus
from planner.scenarios import services as scenario_services
from planner.scenarios.custom_catalog import inputs_with_custom_entries
from planner.scenarios.models import Organisation, Scenario
from planner.studies.models import PointStatus, Study, StudyPoint, StudyRun

KIND = "study"
STUDY_SOFT_LIMIT_S = 120  # execute() only plans and sends the chord; the chunks have their own limits
STUDY_HARD_LIMIT_S = 180
CHUNK_SOFT_LIMIT_S = 600  # a chunk holds at most MAX_CHUNK_POINTS points of ≈0.02–2 s each
CHUNK_HARD_LIMIT_S = 660
MAX_CHUNK_POINTS = 32
CHUNKS_PER_STUDY = 16  # enough tasks to keep many workers busy, few enough to keep the overhead small
BEAT_EVERY_S = 1.0  # a chunk beats the parent's heartbeat (and looks for a cancel) this often


def chunk_points(total: int) -> int:
    """Points per chunk task: about CHUNKS_PER_STUDY chunks, each 1..MAX_CHUNK_POINTS points."""
    return max(1, min(MAX_CHUNK_POINTS, math.ceil(total / CHUNKS_PER_STUDY)))


def study_validate(*, scenario: Scenario, definition: Any) -> Any:
    """Validate the definition and expand its points against the scenario (errors name the field:
    ``vary``, ``inputs[0].distribution``, ``definition.vary.<path>``)."""
    study = defs.parse_study(definition)
    try:
        first = next(iter(study_plan(study, scenario.inputs).values()))
    except (SweepError, ValueError) as error:
        raise ScenarioError({"definition": [str(error)]}) from None
    if isinstance(study, defs.SweepStudy | defs.OptimisationStudy):
        from planner.engine.studies.params import apply_values

        for path in study.vary if isinstance(study, defs.SweepStudy) else study.choices:
            try:
                apply_values(scenario.inputs, {path: first.get(path)})
            except SweepError as error:
                raise ScenarioError({"vary" if study.kind == "sweep" else "choices": [str(error)]}) from None
    return study


def study_delete(*, study: Study) -> None:
    """Delete the study with its runs and points; JobsInProgress (409) while a run is queued or
    running (the same rule as portfolios, planner/jobs/deletion.py)."""
    with transaction.atomic():
        locked = Study.objects.select_for_update().get(pk=study.pk)
        refuse_while_in_progress(locked.runs.all(), what="study")
        locked.delete()


def study_create(
    *, owner: AbstractBaseUser, organisation: Organisation, scenario: Scenario, name: str, definition: dict
) -> Study:
    study = study_validate(scenario=scenario, definition=definition)
    return Study.objects.create(
        organisation=organisation,
        scenario=scenario,
        owner=owner,
        name=name,
        kind=study.kind,
        definition=study.model_dump(mode="json", exclude_none=True),
    )


def study_update(*, study: Study, name: str | None = None, definition: dict | None = None) -> Study:
    if definition is not None:
        parsed = study_validate(scenario=study.scenario, definition=definition)
        study.definition = parsed.model_dump(mode="json", exclude_none=True)
        study.kind = parsed.kind
    if name is not None:
        study.name = name
    study.version += 1
    study.save()
    return study


def study_run_submit(
    *, study: Study, submitted_by: AbstractBaseUser, idempotency_key: str = ""
) -> tuple[StudyRun, bool]:
    """Queue a run of the study on the scenario's current inputs; (run, created). A retried submit
    with the same Idempotency-Key returns the first run (a failed one is never replayed)."""
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()  # one check-and-create at a time
        if idempotency_key:
            existing = (
                StudyRun.objects.filter(study=study, idempotency_key=idempotency_key)
                .exclude(status=JobStatus.FAILED)
                .first()
            )
            if existing is not None:
                return existing, False
        inputs = inputs_with_custom_entries(study.scenario.inputs, organisation_id=study.organisation_id)
        parsed = defs.parse_study(study.definition)
        run = StudyRun.objects.create(
            study=study,
            submitted_by=submitted_by,
            idempotency_key=idempotency_key,
            inputs=inputs,
            definition=study.definition,
            points_total=len(study_plan(parsed, inputs)),
        )
        job_dispatch(kind=KIND, job_id=run.pk)
    return run, True


def study_run_cancel(*, run: StudyRun, user: AbstractBaseUser) -> None:
    """Stop a run: it fails with the reason; chunks still queued or running skip their points."""
    job_fail(kind=KIND, job_id=run.pk, reason=f"cancelled by {user.get_username()}")


def study_run_execute(job_id: int, progress: ProgressFn) -> object:
    """The job's execute(): send the points not yet stored as a chord, or aggregate if none is left."""
    run = StudyRun.objects.get(pk=job_id)
    study = defs.parse_study(run.definition)
    progress("planning points", 0.0)
    try:
        plan = study_plan(study, run.inputs)
    except (SweepError, ValueError) as error:
        raise JobFailure(f"the study's points cannot be built: {error}") from None
    stored = set(run.points.values_list("index", flat=True))
    missing = {index: values for index, values in plan.items() if index not in stored}
    if not missing:
        return study_run_aggregate(run_id=run.pk)
    progress(f"{len(stored)}/{run.points_total} points", len(stored) / max(1, run.points_total))
    _send_chord(run.pk, missing, total=len(plan))
    return HANDED_OFF


def _send_chord(run_id: int, points: dict[int, dict], *, total: int) -> None:
    """A group of chunk tasks over the points, then the aggregate callback."""
    from planner.studies.tasks import study_aggregate_task, study_chunk_task

    items = [[index, values] for index, values in sorted(points.items())]
    size = chunk_points(total)
    header = group(study_chunk_task.s(run_id, items[start : start + size]) for start in range(0, len(items), size))
    chord(header, study_aggregate_task.si(run_id)).apply_async()


def _test_fault(values: dict) -> None:
    """Tests make a point raise (as a bug or a lost resource would) by naming one of its values in
    PLANNER_TEST_STUDY_FAULT; the point then goes through the real retry-then-record path."""
    marker = os.environ.get("PLANNER_TEST_STUDY_FAULT", "")
    if marker and any(str(value) == marker for value in values.values()):
        raise RuntimeError(f"injected fault for the value {marker}")


def _outcome_of(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def study_chunk_compute(*, run_id: int, points: list, final_attempt: bool, worker: str, attempt: int) -> int:
    """Compute and store each point of a chunk that is not stored yet; returns how many were stored.
    A point the engine refuses is stored with the reason. A point that raises is re-raised (the
    task retries the chunk) until the final attempt, when it is stored as failed with the reason."""
    run = StudyRun.objects.filter(pk=run_id).only("id", "status", "definition", "inputs", "points_total").first()
    if run is None or run.status != JobStatus.RUNNING:
        return 0  # cancelled, failed or finished: nothing to add
    study = defs.parse_study(run.definition)
    relative = relative_names(study, run.inputs)
    with_series = isinstance(study, defs.UncertaintyStudy)
    done = set(
        StudyPoint.objects.filter(run_id=run_id, index__in=[p[0] for p in points]).values_list("index", flat=True)
    )
    stored = 0
    last_beat = time.monotonic()
    for index, values in points:
        if index in done:
            continue
        started = time.perf_counter()
        try:
            _test_fault(values)
            outcome = evaluate_point(run.inputs, values, relative=relative, with_series=with_series)
        except Exception as error:  # not a refusal: a bug or a lost resource; retried, then recorded
            if not final_attempt:
                raise
            outcome = PointOutcome(error=_outcome_of(error))
            status = PointStatus.FAILED
        else:
            status = PointStatus.REFUSED if outcome.error else PointStatus.COMPUTED
            if outcome.violations:
                status = PointStatus.CONSTRAINTS_NOT_MET
        stored += _store_point(run_id, index, values, outcome, status, worker, attempt, time.perf_counter() - started)
        if time.monotonic() - last_beat >= BEAT_EVERY_S:
            last_beat = time.monotonic()
            if not _beat(run_id, run.points_total):
                return stored  # cancelled mid-chunk
    _beat(run_id, run.points_total)
    return stored


def _beat(run_id: int, total: int) -> bool:
    """Heartbeat and progress of the parent run; False when it is no longer running (cancelled)."""
    done = StudyPoint.objects.filter(run_id=run_id).count()
    job_heartbeat(kind=KIND, job_id=run_id, stage=f"{done}/{total} points", progress_frac=0.99 * done / max(1, total))
    return StudyRun.objects.filter(pk=run_id, status=JobStatus.RUNNING).exists()


def _store_point(
    run_id, index, values, outcome: PointOutcome, status: str, worker: str, attempt: int, compute_s: float
) -> int:
    try:
        with transaction.atomic():
            StudyPoint.objects.create(
                run_id=run_id,
                index=index,
                values=values,
                status=status,
                kpis=outcome.kpis,
                series=outcome.series,
                devices_by_accelerator=outcome.devices_by_accelerator,
                error=outcome.error,
                violations=list(outcome.violations),
                attempts=attempt,
                worker=worker[:200],
                compute_s=compute_s,
            )
    except IntegrityError:
        return 0  # a re-delivered chunk raced another: the first row stands
    return 1


def study_run_aggregate(*, run_id: int) -> object:
    """Summarise the stored points and finish the run (the chord's callback, or execute() on a
    re-run). A searched optimisation first sends its next round, if the search wants one."""
    run = StudyRun.objects.get(pk=run_id)
    if run.status != JobStatus.RUNNING:
        return None
    study = defs.parse_study(run.definition)
    outcomes = {
        p.index: PointOutcome(
            kpis=p.kpis,
            series=p.series,
            devices_by_accelerator=p.devices_by_accelerator,
            error=p.error,
            violations=tuple(p.violations),
        )
        for p in run.points.all()
    }
    planned = set(study_plan(study, run.inputs)) | set(outcomes)
    if isinstance(study, defs.OptimisationStudy):
        round_done = (run.summary or {}).get("search_round", 0)
        space = candidate_space(study, run.inputs)
        more = next_round(study, space, outcomes) if round_done < study.max_rounds else []
        if more:
            StudyRun.objects.filter(pk=run_id).update(
                points_total=len(planned) + len(more), summary={"search_round": round_done + 1}
            )
            job_heartbeat(kind=KIND, job_id=run_id, stage=f"search round {round_done + 1}: {len(more)} candidates")
            _send_chord(run_id, {flat: space.point(option_indices(space, flat)) for flat in more}, total=len(more))
            return HANDED_OFF
    summary = summarise(study, run.inputs, outcomes, planned=planned)
    if isinstance(study, defs.OptimisationStudy):
        summary["search_round"] = (run.summary or {}).get("search_round", 0)
    StudyRun.objects.filter(pk=run_id).update(summary=summary, points_total=len(planned))
    status = JobStatus.SUCCEEDED
    if isinstance(study, defs.OptimisationStudy) and summary.get("best_index") is None:
        status = JobStatus.CONSTRAINTS_NOT_MET
    compute_s = sum(run.points.values_list("compute_s", flat=True))
    job_finish(kind=KIND, job_id=run_id, status=status, compute_s=compute_s)
    return HANDED_OFF  # finished here; the lifecycle must not finish it again


ADOPTABLE = (PointStatus.COMPUTED, PointStatus.CONSTRAINTS_NOT_MET)


class PointNotAdoptable(Exception):
    """The point has no computed figures (refused by the engine, or failed): nothing to adopt."""


def study_point_adopt(*, run: StudyRun, index: int, owner: AbstractBaseUser) -> Scenario:
    """A NEW scenario: the base scenario as the run computed it (version 1, a clone) with the
    point's values applied (version 2, so the history shows what the study changed), named
    "<base> — study #N point K". The base scenario itself is never changed.

    The clone starts from the base scenario's current inputs when they are still what the run
    computed (own catalog entries stay references), else from the run's snapshot."""
    point = run.points.filter(index=index).first()
    if point is None:
        raise StudyPoint.DoesNotExist(f"study run {run.pk} has no point {index}")
    if point.status not in ADOPTABLE:
        reason = point.error or point.status
        raise PointNotAdoptable(f"point {index} was not computed ({point.status}): {reason}")
    base = run.study.scenario
    current = base.inputs
    if inputs_with_custom_entries(current, organisation_id=run.study.organisation_id) != run.inputs:
        current = run.inputs
    study = defs.parse_study(run.definition)
    from planner.engine.studies.params import apply_values

    adopted = apply_values(current, point.values, relative=relative_names(study, run.inputs))
    name = f"{base.name} — study #{run.study_id} point {index}"[:200]
    with transaction.atomic():
        clone = scenario_services.scenario_create(
            owner=owner, organisation=run.study.organisation, inputs={**current, "name": name}
        )
        return scenario_services.scenario_update(scenario=clone, author=owner, inputs={**adopted, "name": name})
