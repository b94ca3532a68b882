"""Writes of studies and the fan-out of a study run (thin over the pure core, planner.engine.studies).

A study run is a job of kind "study" on the shared lifecycle. Its execute() works out the points
not yet stored, sends them as a Celery chord — a group of chunk tasks, each computing a few points
and storing each point's row as it arrives, and a callback that aggregates and calls job_finish —
and returns HANDED_OFF. A re-run after a crash (the lifecycle's recovery calls execute() again)
sends only the missing points. Without a broker (embedded mode) Celery runs the same chord eagerly,
in-process.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from typing import Any

from celery import chord, group
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum

from planner.engine.schema import ScenarioError
from planner.engine.studies import definition as defs
from planner.engine.studies.aggregate import summarise
from planner.engine.studies.block import evaluate_block
from planner.engine.studies.optimise import next_points
from planner.engine.studies.points import PointOutcome, evaluate_point, relative_names, study_plan
from planner.engine.studies.validate import definition_errors
from planner.engine.sweep import SweepError
from planner.jobs.deletion import refuse_while_in_progress
from planner.jobs.lifecycle import (
    HANDED_OFF,
    JobFailure,
    ProgressFn,
    job_dispatch,
    job_fail,
    job_finish,
    job_heartbeat,
)
from planner.jobs.models import COMPLETED_STATUSES, JobStatus
from planner.scenarios import services as scenario_services
from planner.scenarios.custom_catalog import inputs_with_custom_entries
from planner.scenarios.models import Organisation, Scenario
from planner.studies.models import PointStatus, Study, StudyPoint, StudyRun

logger = logging.getLogger(__name__)

KIND = "study"
STUDY_SOFT_LIMIT_S = 120  # execute() only plans and sends the chord; the chunks have their own limits
STUDY_HARD_LIMIT_S = 180
CHUNK_SOFT_LIMIT_S = 600  # a chunk holds about TARGET_CHUNK_S of measured work, at most MAX_CHUNK_POINTS points
CHUNK_HARD_LIMIT_S = 660
# Chunks sized by measured cost: a task's own overhead (broker round trip, result backend, reading
# the run, writing its rows) is a few tens of ms, so a chunk should hold about a second of work…
TARGET_CHUNK_S = 1.0
# …but at least MIN_CHUNKS chunks where the study has that many points, so that the workers share
# the work evenly (with 2 workers, 3 chunks would leave one idle a third of the time).
MIN_CHUNKS = 8
MAX_CHUNK_POINTS = 256  # a safety bound: points of one study differ in cost (a sweep of rates)
PROBE_S = 0.3  # execute() computes points itself for about this long to measure their cost
PROBE_MAX_POINTS = 8
BEAT_EVERY_S = 1.0  # a chunk writes its rows, beats the parent's heartbeat and looks for a cancel this often


def chunk_points(total: int, cost_s: float) -> int:
    """Points per chunk task for ``total`` points of ``cost_s`` seconds each (measured)."""
    by_cost = math.ceil(TARGET_CHUNK_S / max(cost_s, 1e-4))
    by_balance = math.ceil(total / MIN_CHUNKS)
    return max(1, min(by_cost, by_balance, MAX_CHUNK_POINTS))


def study_validate(*, scenario: Scenario, definition: Any) -> Any:
    """Validate the definition and expand its points against the scenario (errors name the field:
    ``vary``, ``inputs[0].distribution``, ``definition.vary.<path>``)."""
    study = defs.parse_study(definition)
    try:
        plan = study_plan(study, scenario.inputs)
    except (SweepError, ValueError) as error:
        raise ScenarioError({"definition": [str(error)]}) from None
    if not plan:
        raise ScenarioError({"definition": ["the study has no points"]})
    # Each varied path, value and parameter applied to the base scenario: an unknown path, a
    # wrong type or an unknown parameter is refused here, naming it, not on every point later.
    errors = definition_errors(study, scenario.inputs)
    if errors:
        raise ScenarioError(errors)
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
        plan = study_plan(defs.parse_study(study.definition), inputs)
        run = StudyRun.objects.create(
            study=study,
            submitted_by=submitted_by,
            idempotency_key=idempotency_key,
            inputs=inputs,
            definition=study.definition,
            points_total=len(plan),
        )
        _carry_over(run, plan)
        job_dispatch(kind=KIND, job_id=run.pk)
    return run, True


CARRY_OVER_CANDIDATES = 10  # the latest failed runs of the study looked at for points to carry over
_COPY_BATCH = 500


def _carry_over(run: StudyRun, planned: dict[int, dict]) -> None:
    """Copy into the new ``run`` (its points: ``planned``) the points stored by the failed (or
    cancelled) run of the same study, definition and inputs that has the most of them (among the
    failed runs since the study last completed), so that a re-run computes only the rest.

    A point is carried over when its index plans the very same values in the new run; points that
    failed after their retries (a bug or a lost resource, not the engine's answer) are computed
    again. Records the source and the count on the run ("N points carried over from run #M")."""
    # As the chunks store them: through JSON (a point's values travel in the task message).
    plan = json.loads(json.dumps(planned))
    wanted = _canonical((run.definition, run.inputs))
    best: tuple[int, list[int]] | None = None
    runs = StudyRun.objects.filter(study_id=run.study_id).exclude(pk=run.pk)
    # Only failed runs since the study last completed: re-running a completed study computes anew.
    completed_at = (
        runs.filter(status__in=COMPLETED_STATUSES).order_by("-created_at").values_list("created_at", flat=True).first()
    )
    if completed_at is not None:
        runs = runs.filter(created_at__gt=completed_at)
    candidates = (
        runs.filter(status=JobStatus.FAILED)
        .order_by("-created_at", "-id")
        .values_list("pk", "definition", "inputs")[:CARRY_OVER_CANDIDATES]
    )
    for source_id, definition, inputs in candidates:
        if _canonical((definition, inputs)) != wanted:
            continue
        rows = StudyPoint.objects.filter(run_id=source_id).exclude(status=PointStatus.FAILED)
        keep = [index for index, values in rows.values_list("index", "values") if plan.get(str(index)) == values]
        if keep and (best is None or len(keep) > len(best[1])):
            best = (source_id, keep)
    if best is None:
        return
    source_id, keep = best
    _copy_points(source_id=source_id, run_id=run.pk, indices=sorted(keep))
    StudyRun.objects.filter(pk=run.pk).update(carried_over_from_id=source_id, points_carried_over=len(keep))
    run.carried_over_from_id, run.points_carried_over = source_id, len(keep)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _copy_points(*, source_id: int, run_id: int, indices: list[int]) -> None:
    """INSERT … SELECT of the source run's rows at ``indices`` into ``run_id`` (stored now: a
    carried-over point is no progress of the new run's attempts)."""
    from django.db import connection
    from django.utils import timezone

    quote = connection.ops.quote_name
    table = quote(StudyPoint._meta.db_table)
    columns = [
        quote(field.column)
        for field in StudyPoint._meta.concrete_fields
        if field.name not in {"id", "run", "created_at"}
    ]
    names = ", ".join(columns)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    run_column, index_column = quote(StudyPoint._meta.get_field("run").column), quote("index")
    with connection.cursor() as cursor:
        for start in range(0, len(indices), _COPY_BATCH):
            batch = indices[start : start + _COPY_BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({run_column}, {quote('created_at')}, {names}) "  # noqa: S608 (names are the model's)
                f"SELECT %s, %s, {names} FROM {table} WHERE {run_column} = %s AND {index_column} IN ({marks})",
                [run_id, now, source_id, *batch],
            )


def study_run_cancel(*, run: StudyRun, user: AbstractBaseUser) -> None:
    """Stop a run: it fails with the reason; chunks still queued or running skip their points."""
    job_fail(kind=KIND, job_id=run.pk, reason=f"cancelled by {user.get_username()}")


def study_run_execute(job_id: int, progress: ProgressFn) -> object:
    """The job's execute(): send the points not yet stored as a chord, or aggregate if none is left."""
    run = StudyRun.objects.get(pk=job_id)
    StudyRun.objects.filter(pk=job_id).update(handed_off_at=None)  # planning: the job's own limits apply
    study = defs.parse_study(run.definition)
    progress("planning points", 0.0)
    try:
        plan = study_plan(study, run.inputs)
    except (SweepError, ValueError) as error:
        raise JobFailure(f"the study's points cannot be built: {error}") from None
    plan |= _search_points(study, run)
    stored = set(run.points.values_list("index", flat=True))
    missing = {index: values for index, values in plan.items() if index not in stored}
    if missing and not stored:
        missing = _probe(run, study, missing)
    if not missing:
        study_run_aggregate(run_id=run.pk)
        return HANDED_OFF  # the aggregate finished (or failed) the run itself
    done = run.points_total - len(missing)
    progress(f"{done}/{run.points_total} points", done / max(1, run.points_total))
    _send_chord(run.pk, missing)
    return HANDED_OFF


def _probe(run: StudyRun, study: Any, missing: dict[int, dict]) -> dict[int, dict]:
    """Compute the first missing points here for about PROBE_S (stored like a chunk's rows), so
    that the chunks can be sized by measured cost; returns the points still missing. A point that
    raises is left to the chunks (their retries record it)."""
    relative = relative_names(study, run.inputs)
    with_series = isinstance(study, defs.UncertaintyStudy)
    rows: list[StudyPoint] = []
    started = time.perf_counter()
    for index, values in list(missing.items())[:PROBE_MAX_POINTS]:
        if time.perf_counter() - started >= PROBE_S:
            break
        if _faulty(values):
            continue
        point_started = time.perf_counter()
        try:
            _test_delay()
            outcome = evaluate_block(run.inputs, [values], relative=relative, with_series=with_series).outcomes[0]
        except Exception:  # a chunk retries it, then records the reason
            logger.warning("study run %s: point %s raised in the probe; left to a chunk", run.pk, index, exc_info=True)
            continue
        elapsed = time.perf_counter() - point_started
        rows.append(_point_row(run.pk, index, values, outcome, _status(outcome), _hostname(), 1, elapsed))
    _flush(rows)
    return {index: values for index, values in missing.items() if index not in {row.index for row in rows}}


def _hostname() -> str:
    from celery import current_task

    request = getattr(current_task, "request", None)
    return str(getattr(request, "hostname", None) or "in-process")


def _cost_per_point_s(run_id: int) -> float:
    """Mean measured seconds per stored point of the run (the probe's, or earlier rounds')."""
    from django.db.models import Avg

    mean = StudyPoint.objects.filter(run_id=run_id).aggregate(mean=Avg("compute_s"))["mean"]
    return float(mean) if mean else TARGET_CHUNK_S / MIN_CHUNKS


def _search_points(study: Any, run: StudyRun) -> dict[int, dict]:
    """The candidates later search rounds sent (an optimisation's rounds after the first), so a
    re-executed run resends the ones still missing."""
    sent = (run.summary or {}).get("search_sent") or {}
    if not isinstance(sent, dict) or not isinstance(study, defs.OptimisationStudy):
        return {}
    return {int(index): dict(values) for index, values in sent.items()}


def study_recovery_verdict(job_id: int, now: Any) -> str | None:
    """How the recovery judges a study whose own heartbeat is stale (planner.jobs.lifecycle).

    Before the hand-off (execute() planning) the job's own limits apply: None. After it, the parent
    does no work; its chunks do, and they may wait in the queue behind other work. The run is then
    judged by progress, never by its hard limit: "wait" while any job's worker beat within the stale
    window or any study point was stored (the workers are busy; its chunks are queued behind), else
    "requeue" (nothing progresses anywhere: the chunks were lost; execute() resends the missing points)."""
    from datetime import timedelta

    from django.conf import settings

    from planner.jobs.lifecycle import job_kinds

    handed_off = StudyRun.objects.filter(pk=job_id, handed_off_at__isnull=False).exists()
    if not handed_off:
        return None
    fresh = now - timedelta(seconds=settings.RUN_STALE_AFTER_S)
    if StudyPoint.objects.filter(created_at__gte=fresh).exists():
        return "wait"
    for spec in job_kinds():
        if (
            spec.model.objects.filter(status=JobStatus.RUNNING, heartbeat_at__gte=fresh)
            .exclude(**({"pk": job_id} if spec.model is StudyRun else {}))
            .exists()
        ):
            return "wait"
    return "requeue"


def study_progressed_since(job_id: int, since: Any) -> bool:
    """Whether the run stored a point since ``since`` (its last claim): a lost worker then costs
    the run no attempt (planner.jobs.lifecycle, JobKind.progressed_since). Points carried over
    from an earlier run were stored before the first claim and do not count."""
    return StudyPoint.objects.filter(run_id=job_id, created_at__gte=since).exists()


def _send_chord(run_id: int, points: dict[int, dict]) -> None:
    """A group of chunk tasks over the points, then the aggregate callback. The run is marked
    handed off first: from now on its chunks' progress, not its own limits, judge it."""
    from django.utils import timezone

    from planner.studies.tasks import study_aggregate_task, study_chunk_task

    StudyRun.objects.filter(pk=run_id, status=JobStatus.RUNNING).update(handed_off_at=timezone.now())
    items = [[index, values] for index, values in sorted(points.items())]
    size = chunk_points(len(items), _cost_per_point_s(run_id))
    header = group(study_chunk_task.s(run_id, items[start : start + size]) for start in range(0, len(items), size))
    chord(header, study_aggregate_task.si(run_id)).apply_async()


def _test_fault(values: dict) -> None:
    """Tests make a point raise (as a bug or a lost resource would) by naming one of its values in
    PLANNER_TEST_STUDY_FAULT; the point then goes through the real retry-then-record path."""
    marker = os.environ.get("PLANNER_TEST_STUDY_FAULT", "")
    if marker and any(str(value) == marker for value in values.values()):
        raise RuntimeError(f"injected fault for the value {marker}")


def _test_delay() -> None:
    """Tests hold each point for PLANNER_TEST_POINT_DELAY_S seconds, so that one study's chunks
    wait in the queue behind another's for longer than the stale-heartbeat window."""
    delay_s = float(os.environ.get("PLANNER_TEST_POINT_DELAY_S", "0") or 0)
    if delay_s:
        time.sleep(delay_s)


def _outcome_of(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def study_chunk_compute(*, run_id: int, points: list, final_attempt: bool, worker: str, attempt: int) -> int:
    """Compute and store each point of a chunk that is not stored yet; returns how many rows it wrote.
    A point the engine refuses is stored with the reason. A point that raises is re-raised (the
    task retries the chunk) until the final attempt, when it is stored as failed with the reason.
    Rows are written in bulk, once per BEAT_EVERY_S of work (and at the end), each flush beating the
    parent's heartbeat and looking for a cancel."""
    run = StudyRun.objects.filter(pk=run_id).only("id", "status", "definition", "inputs", "points_total").first()
    if run is None or run.status != JobStatus.RUNNING:
        return 0  # cancelled, failed or finished: nothing to add
    job_heartbeat(kind=KIND, job_id=run_id)  # picked up: the run's chunks are moving
    study = defs.parse_study(run.definition)
    relative = relative_names(study, run.inputs)
    with_series = isinstance(study, defs.UncertaintyStudy)
    done = set(
        StudyPoint.objects.filter(run_id=run_id, index__in=[p[0] for p in points]).values_list("index", flat=True)
    )
    todo = [(index, values) for index, values in points if index not in done]
    rows: list[StudyPoint] = []
    stored = 0
    last_flush = time.monotonic()
    for index, values, outcome, compute_s, status in _computed(run.inputs, todo, relative, with_series, final_attempt):
        rows.append(_point_row(run_id, index, values, outcome, status, worker, attempt, compute_s))
        if time.monotonic() - last_flush >= BEAT_EVERY_S:
            stored += _flush(rows)
            rows = []
            last_flush = time.monotonic()
            if not _beat(run_id, run.points_total):
                return stored  # cancelled mid-chunk
    stored += _flush(rows)
    _beat(run_id, run.points_total)
    return stored


def _computed(document, todo, relative, with_series, final_attempt):
    """(index, values, outcome, compute_s, status) per point: the whole chunk as one block (weather,
    engine curves and validation shared), or one by one when a point may raise (the test hook)."""
    if not any(_faulty(values) for _, values in todo):
        for _ in todo:
            _test_delay()
        block = evaluate_block(document, [values for _, values in todo], relative=relative, with_series=with_series)
        each_s = block.compute_s / max(1, len(todo))
        for (index, values), outcome in zip(todo, block.outcomes, strict=True):
            yield index, values, outcome, each_s, _status(outcome)
        return
    for index, values in todo:
        started = time.perf_counter()
        try:
            _test_delay()
            _test_fault(values)
            outcome = evaluate_point(document, values, relative=relative, with_series=with_series)
        except Exception as error:  # not a refusal: a bug or a lost resource; retried, then recorded
            if not final_attempt:
                raise
            yield index, values, PointOutcome(error=_outcome_of(error)), time.perf_counter() - started, "failed"
            continue
        yield index, values, outcome, time.perf_counter() - started, _status(outcome)


def _status(outcome: PointOutcome) -> str:
    if outcome.violations:
        return PointStatus.CONSTRAINTS_NOT_MET
    return PointStatus.REFUSED if outcome.error else PointStatus.COMPUTED


def _faulty(values: dict) -> bool:
    marker = os.environ.get("PLANNER_TEST_STUDY_FAULT", "")
    return bool(marker) and any(str(value) == marker for value in values.values())


def _beat(run_id: int, total: int) -> bool:
    """Heartbeat and progress of the parent run; False when it is no longer running (cancelled)."""
    done = StudyPoint.objects.filter(run_id=run_id).count()
    job_heartbeat(kind=KIND, job_id=run_id, stage=f"{done}/{total} points", progress_frac=0.99 * done / max(1, total))
    return StudyRun.objects.filter(pk=run_id, status=JobStatus.RUNNING).exists()


def _point_row(
    run_id, index, values, outcome: PointOutcome, status: str, worker: str, attempt: int, compute_s: float
) -> StudyPoint:
    return StudyPoint(
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


def _flush(rows: list[StudyPoint]) -> int:
    """One INSERT for the rows; a row whose (run, index) is already stored (a re-delivered chunk
    raced another) is skipped: the first row stands (unique constraint one_row_per_study_point)."""
    if not rows:
        return 0
    StudyPoint.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def study_run_aggregate(*, run_id: int) -> object:
    """Summarise the stored points and finish the run (the chord's callback, or execute() on a
    re-run). A searched optimisation first sends its next round, if the search wants one.

    The run's row is locked (SELECT … FOR UPDATE) for the whole decision, and nothing happens
    while any planned point is still missing: two callers (a chord callback and a recovery
    re-execute, or two chords after a requeue) cannot both finish the run or both start a round."""
    send: dict[int, dict] | None = None
    with transaction.atomic():
        run = StudyRun.objects.select_for_update(no_key=True).filter(pk=run_id).first()
        if run is None or run.status != JobStatus.RUNNING:
            return None
        study = defs.parse_study(run.definition)
        stored = set(run.points.values_list("index", flat=True))
        planned = set(study_plan(study, run.inputs)) | set(_search_points(study, run))
        if not planned <= stored:
            return None  # points still on their way: their chord's callback aggregates
        rows = run.points.values_list("index", "kpis", "series", "devices_by_accelerator", "error", "violations")
        outcomes = {
            index: PointOutcome(
                kpis=kpis, series=series, devices_by_accelerator=devices, error=error, violations=tuple(violations)
            )
            for index, kpis, series, devices, error, violations in rows.iterator(chunk_size=512)
        }
        planned |= set(outcomes)
        previous = run.summary or {}
        if isinstance(study, defs.OptimisationStudy):
            round_done = previous.get("search_round", 0)
            # The MILP's mixes to re-check with the full engine (none for an enumeration).
            more = next_points(study, run.inputs, outcomes) if round_done < study.max_rounds else {}
            if more:
                sent = {**(previous.get("search_sent") or {}), **{str(index): values for index, values in more.items()}}
                StudyRun.objects.filter(pk=run_id).update(
                    points_total=len(planned) + len(more),
                    summary={"search_round": round_done + 1, "search_sent": sent},
                )
                job_heartbeat(kind=KIND, job_id=run_id, stage=f"search round {round_done + 1}: {len(more)} candidates")
                send = more
        if send is None:
            _finish(run, study, outcomes, planned, previous)
    if send is not None:
        _send_chord(run_id, send)
    return HANDED_OFF  # finished (or handed off again) here; the lifecycle must not finish it again


def _finish(run: StudyRun, study: Any, outcomes: dict, planned: set[int], previous: dict) -> None:
    summary = summarise(study, run.inputs, outcomes, planned=planned)
    if isinstance(study, defs.OptimisationStudy):
        summary["search_round"] = previous.get("search_round", 0)
    StudyRun.objects.filter(pk=run.pk).update(summary=summary, points_total=len(planned))
    if summary["computed"] == 0:
        job_fail(kind=KIND, job_id=run.pk, reason=_no_point_reason(summary))
        return
    status = JobStatus.SUCCEEDED
    if isinstance(study, defs.OptimisationStudy) and summary.get("best_index") is None:
        status = JobStatus.CONSTRAINTS_NOT_MET
    compute_s = run.points.aggregate(total=Sum("compute_s"))["total"] or 0.0
    job_finish(kind=KIND, job_id=run.pk, status=status, compute_s=compute_s)


def _no_point_reason(summary: dict) -> str:
    """No point was computed: the run fails, naming the distinct reasons (most frequent first)."""
    counts: dict[str, int] = {}
    for reason in summary.get("refused", {}).values():
        counts[reason] = counts.get(reason, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    lines = [f"{count} point(s): {reason}" for reason, count in ranked[:5]]
    if len(ranked) > 5:
        lines.append(f"… and {len(ranked) - 5} other reason(s); see the points")
    return f"none of the {summary.get('points', 0)} points could be computed: " + " | ".join(lines)


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
