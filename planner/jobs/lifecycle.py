"""One lifecycle for every kind of background job: dispatch, claim, heartbeat, limits, finish,
failure with the reason, and recovery of jobs whose message or worker was lost.

Runs, reports, portfolio runs, site comparisons and studies register a ``JobKind`` from their
AppConfig.ready(); their services create the queued row and call ``job_dispatch``. The Celery
task ``planner.job_execute`` (or, with no broker configured, a bounded local worker thread)
calls ``job_execute``, which claims the row with one conditional UPDATE so a re-delivered
message does nothing. ``job_recover`` runs on the worker's timer (planner.jobs.worker).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from planner.jobs.models import COMPLETED_STATUSES, Job, JobStatus

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, float], None]


class _HandedOff:
    def __repr__(self) -> str:
        return "HANDED_OFF"


# execute() started sub-tasks; whoever finishes them calls job_finish (e.g. a chord callback).
HANDED_OFF: Final = _HandedOff()


class JobQueueUnavailable(Exception):
    """The broker could not take the job's message; the job has been marked failed with this reason."""

    def __init__(self, reason: str, *, kind: str = "", job_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.job_id = job_id


class JobFailure(Exception):
    """Raised by a kind's execute() to fail the job with exactly this reason (no exception name)."""


class JobTimeLimitExceeded(SoftTimeLimitExceeded):
    """The job ran past its soft time limit (raised by the progress callback in embedded mode)."""


@dataclass(frozen=True)
class JobKind:
    name: str
    model: type[Job]
    execute: Callable[[int, ProgressFn], Any]
    soft_time_limit_s: int
    hard_time_limit_s: int
    # For kinds that hand work off to sub-tasks (studies): how recovery judges a running job whose
    # own heartbeat is stale: "wait" (its sub-tasks are queued behind other work), "requeue" (they
    # were lost; never failed at the hard limit, which bounds execute() only) or None (the rules below).
    recovery_verdict: Callable[[int, Any], str | None] | None = None
    # For kinds whose work is stored piece by piece (a study's points): whether the job's work
    # advanced since ``since`` (its last claim). A lost worker then costs no attempt toward
    # RUN_MAX_ATTEMPTS: each attempt that is handed back has stored something new, so the attempts
    # stay bounded by the pieces, while a job lost again and again without progress still fails.
    progressed_since: Callable[[int, Any], bool] | None = None


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> None:
    """Make a kind of job known to dispatch, the task and recovery (call from AppConfig.ready())."""
    if kind.hard_time_limit_s <= kind.soft_time_limit_s:
        raise ValueError(f"job kind {kind.name}: the hard time limit must exceed the soft one")
    _KINDS[kind.name] = kind


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no job kind {name!r}; registered: {', '.join(sorted(_KINDS))}") from None


def job_kinds() -> list[JobKind]:
    return list(_KINDS.values())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100_000}"


def worker_process_prefix(pid: int) -> str:
    """The start of ``worker_name()`` for every thread of process ``pid`` on this host."""
    return f"{socket.gethostname()}:{pid}:"


# Jobs this process is executing now: (kind, id) → the worker name that claimed it. A pool child
# whose Celery main process died hands them back (planner.jobs.worker's parent watchdog).
_executing: dict[tuple[str, int], str] = {}
_executing_lock = threading.Lock()


def jobs_executing() -> list[tuple[str, int, str]]:
    with _executing_lock:
        return [(kind, job_id, worker) for (kind, job_id), worker in _executing.items()]


def embedded_mode() -> bool:
    """No broker configured (or jobs forced in-process): jobs run in local worker threads."""
    from planner.celery import app

    return bool(app.conf.task_always_eager)


# ---- dispatch ----------------------------------------------------------------------------------


def job_dispatch(*, kind: str, job_id: int) -> None:
    """Hand a queued job to the workers once the current transaction commits.

    Broker unreachable → the job is marked FAILED with the reason (and its Idempotency-Key
    released, so a retry creates a new job) and JobQueueUnavailable is raised from the commit.
    No broker configured → the job runs in a bounded local worker thread (planner.jobs.embedded).
    """
    job_kind(kind)  # unknown kinds fail now, not after the commit
    transaction.on_commit(lambda: _dispatch_now(kind=kind, job_id=job_id))


def _dispatch_now(*, kind: str, job_id: int, wait: bool = True) -> None:
    if embedded_mode():
        from planner.jobs.embedded import embedded_submit

        _mark_dispatched(kind=kind, job_id=job_id)
        embedded_submit(kind=kind, job_id=job_id, wait=wait)
        return
    try:
        publish(kind=kind, job_id=job_id)
    except JobQueueUnavailable as error:
        job_kind(kind).model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED,
            error=str(error),
            finished_at=timezone.now(),
            stage="not queued",
            idempotency_key="",  # a retry with the same key must create a new job, not replay this one
        )
        raise JobQueueUnavailable(error.reason, kind=kind, job_id=job_id) from error.__cause__


def publish(*, kind: str, job_id: int) -> None:
    """Send the job's message to the broker now; JobQueueUnavailable when the broker is unreachable."""
    from planner.celery import app
    from planner.jobs.tasks import job_execute_task

    spec = job_kind(kind)
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            # At most BROKER_TIMEOUT_S for connecting, all retries together; each socket operation
            # (connect, the transport's PING, the LPUSH) is bounded by the same figure
            # (CELERY_BROKER_TRANSPORT_OPTIONS), so a stopped Redis answers 503 instead of hanging.
            conn.ensure_connection(
                max_retries=settings.JOB_BROKER_CONNECT_RETRIES,
                interval_start=0,
                interval_step=0.2,
                interval_max=0.5,
                timeout=settings.BROKER_TIMEOUT_S,
            )
            job_execute_task.apply_async(
                (kind, job_id),
                connection=conn,
                retry=False,
                soft_time_limit=spec.soft_time_limit_s,
                time_limit=spec.hard_time_limit_s,
            )
    except Exception as error:  # kombu/redis raise several types for "cannot reach the broker"
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        raise JobQueueUnavailable(
            f"the job queue is unavailable (broker unreachable or silent for {settings.BROKER_TIMEOUT_S:g} s: "
            f"{detail}); nothing was computed — re-run when the queue is back"
        ) from error
    _mark_dispatched(kind=kind, job_id=job_id)


def _mark_dispatched(*, kind: str, job_id: int) -> None:
    job_kind(kind).model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(dispatched_at=timezone.now())


# ---- execute -----------------------------------------------------------------------------------


def job_claim(*, kind: str, job_id: int, worker: str) -> bool:
    """Claim a queued job (or one whose worker stopped heart-beating) with one conditional UPDATE."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.RUN_STALE_AFTER_S)
    claimed = (
        job_kind(kind)
        .model.objects.filter(pk=job_id)
        .filter(Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before))
        .update(
            status=JobStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            worker=worker[:200],
            stage="starting",
            progress_frac=0.0,
            error="",
        )
    )
    return claimed == 1


def job_heartbeat(
    *,
    kind: str,
    job_id: int,
    stage: str | None = None,
    progress_frac: float | None = None,
    worker: str | None = None,
) -> None:
    """Record that the job's worker is alive (and, optionally, its stage and progress).

    ``worker``: only while this worker holds the job (an execution whose job was requeued and
    claimed elsewhere must not beat the new holder's heartbeat)."""
    fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if stage is not None:
        fields["stage"] = stage[:100]
    if progress_frac is not None:
        fields["progress_frac"] = max(0.0, min(1.0, float(progress_frac)))
    rows = job_kind(kind).model.objects.filter(pk=job_id, status=JobStatus.RUNNING)
    if worker is not None:
        rows = rows.filter(worker=worker[:200])
    rows.update(**fields)


def job_finish(*, kind: str, job_id: int, status: JobStatus, compute_s: float | None = None) -> None:
    """Mark a running job finished with a result (SUCCEEDED or CONSTRAINTS_NOT_MET).

    For HANDED_OFF jobs: whoever completes the sub-tasks calls this (e.g. a chord callback). While
    the sub-tasks run, they should call job_heartbeat on the parent job, or the recovery takes it
    for a lost worker after RUN_STALE_AFTER_S and queues it again.
    """
    if status not in COMPLETED_STATUSES:
        raise ValueError(f"job_finish takes succeeded or constraints_not_met, not {status!r}; use job_fail")
    now = timezone.now()
    running = job_kind(kind).model.objects.filter(pk=job_id, status=JobStatus.RUNNING)
    if compute_s is None:  # a HANDED_OFF job: from its claim to now
        started_at = running.values_list("started_at", flat=True).first()
        compute_s = (now - started_at).total_seconds() if started_at else None
    running.update(status=status, stage="done", progress_frac=1.0, finished_at=now, compute_s=compute_s)


def job_fail(*, kind: str, job_id: int, reason: str) -> None:
    """Mark an unfinished job failed with the reason (a finished one keeps its outcome)."""
    job_kind(kind).model.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.FAILED, error=reason[:10_000], finished_at=timezone.now()
    )


def _test_stage_delay_s() -> float:
    # Lets the worker-kill and time-limit tests hold a job in "running" for a while.
    return float(os.environ.get("PLANNER_TEST_STAGE_DELAY_S", "0") or 0)


def _progress_fn(*, spec: JobKind, job_id: int, started: float, enforce_soft_limit: bool, worker: str) -> ProgressFn:
    delay_s = _test_stage_delay_s()

    def progress(stage: str, frac: float) -> None:
        if enforce_soft_limit and time.monotonic() - started > spec.soft_time_limit_s:
            raise JobTimeLimitExceeded(f"soft time limit of {spec.soft_time_limit_s} s")
        job_heartbeat(kind=spec.name, job_id=job_id, stage=stage, progress_frac=frac, worker=worker)
        if delay_s:
            time.sleep(delay_s)

    return progress


def job_execute(*, kind: str, job_id: int) -> None:
    """Claim the job, run its kind's execute() with a heartbeat, then finish or fail it. Idempotent."""
    job_run(kind=kind, job_id=job_id)


def job_run(*, kind: str, job_id: int, enforce_soft_limit: bool = False) -> bool:
    """job_execute that says whether this call claimed the job (False: finished or held elsewhere)."""
    spec = job_kind(kind)
    me = worker_name()
    if not job_claim(kind=kind, job_id=job_id, worker=me):
        logger.info("%s %s not claimed (finished or held by a live worker)", kind, job_id)
        return False
    attempts = spec.model.objects.filter(pk=job_id).values_list("attempts", flat=True).first() or 0
    if attempts > settings.RUN_MAX_ATTEMPTS:
        job_fail(
            kind=kind, job_id=job_id, reason=f"gave up after {attempts - 1} attempts: the worker was lost each time"
        )
        return True
    started = time.monotonic()
    progress = _progress_fn(spec=spec, job_id=job_id, started=started, enforce_soft_limit=enforce_soft_limit, worker=me)
    beat = _Heartbeat(kind=kind, job_id=job_id, worker=me)
    with _executing_lock:
        _executing[(kind, job_id)] = me
    try:
        outcome = spec.execute(job_id, progress)
    except SoftTimeLimitExceeded:
        job_fail(kind=kind, job_id=job_id, reason=f"stopped at the time limit of {spec.soft_time_limit_s} s")
        return True
    except JobFailure as error:
        job_fail(kind=kind, job_id=job_id, reason=str(error))
        return True
    except Exception as error:  # the job must record why it failed, whatever failed
        logger.exception("%s %s failed", kind, job_id)
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        job_fail(kind=kind, job_id=job_id, reason=f"{kind} failed: {detail}")
        return True
    finally:
        beat.stop()
        with _executing_lock:
            _executing.pop((kind, job_id), None)
    if outcome is HANDED_OFF:
        return True
    status = JobStatus.SUCCEEDED if outcome is None else JobStatus(outcome)
    job_finish(kind=kind, job_id=job_id, status=status, compute_s=time.monotonic() - started)
    return True


class _Heartbeat:
    """Beats the job's heartbeat from a thread while execute() runs, so a long stage without
    progress calls is not mistaken for a lost worker. Not started inside an open transaction
    (the row would be invisible to the thread's own connection)."""

    def __init__(self, *, kind: str, job_id: int, worker: str) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if connection.in_atomic_block:
            return
        self._interval_s = max(1.0, settings.RUN_STALE_AFTER_S / 4)
        self._thread = threading.Thread(
            target=self._loop, args=(kind, job_id, worker), daemon=True, name="job-heartbeat"
        )
        self._thread.start()

    def _loop(self, kind: str, job_id: int, worker: str) -> None:
        try:
            while not self._stop.wait(self._interval_s):
                try:
                    job_heartbeat(kind=kind, job_id=job_id, worker=worker)
                except Exception:  # a missed beat (database hiccup) must not stop the next ones
                    logger.exception("heartbeat of %s %s missed", kind, job_id)
                    connection.close()
        finally:
            close_old_connections()
            connection.close()

    def stop(self) -> None:
        self._stop.set()


# ---- recovery ----------------------------------------------------------------------------------


def job_recover(*, limit: int = 100) -> list[tuple[str, int]]:
    """Recover jobs whose message or worker was lost, for every registered kind; at most ``limit``.

    - running with a heartbeat older than RUN_STALE_AFTER_S: failed with the reason when it ran
      past its hard time limit or was lost RUN_MAX_ATTEMPTS times, otherwise queued again;
    - queued and handed to the queue more than JOB_REDISPATCH_AFTER_S ago without being picked up
      (e.g. Redis restarted without persistence): its message is sent again. A duplicate message
      is harmless: the claim lets only one execution through.

    Returns the (kind, id) pairs it acted on. Runs on the worker's timer (planner.jobs.worker).
    """
    acted: list[tuple[str, int]] = []
    now = timezone.now()
    for spec in job_kinds():
        if len(acted) >= limit:
            break
        acted += _recover_running(spec, now=now, limit=limit - len(acted))
        if len(acted) >= limit:
            break
        acted += _recover_queued(spec, now=now, limit=limit - len(acted))
    if acted:
        logger.warning("recovered jobs: %s", acted)
    return acted


def _recover_running(spec: JobKind, *, now, limit: int) -> list[tuple[str, int]]:
    stale_before = now - timedelta(seconds=settings.RUN_STALE_AFTER_S)
    stale = spec.model.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before).order_by("heartbeat_at")
    acted: list[tuple[str, int]] = []
    for job_id, attempts, started_at in stale.values_list("pk", "attempts", "started_at")[:limit]:
        still_stale = spec.model.objects.filter(pk=job_id, status=JobStatus.RUNNING, heartbeat_at__lt=stale_before)
        verdict = spec.recovery_verdict(job_id, now) if spec.recovery_verdict else None
        if verdict == "wait":  # a handed-off job whose work is still progressing elsewhere
            continue
        if _after_lost_worker(
            spec,
            job_id,
            still_stale,
            attempts=attempts,
            started_at=started_at,
            now=now,
            send=True,
            hard_limit_applies=verdict != "requeue",
        ):
            acted.append((spec.name, job_id))
    return acted


def _after_lost_worker(
    spec: JobKind, job_id: int, rows, *, attempts: int, started_at, now, send: bool, hard_limit_applies: bool = True
) -> bool:
    """The job (``rows``: it, still running, its worker gone) fails when it ran past its hard time
    limit (unless its kind judged it by its hand-off's progress: ``hard_limit_applies`` False) or was
    lost RUN_MAX_ATTEMPTS times without progress, else goes back to queued (its message sent again
    if ``send``). An attempt whose work advanced (the kind's ``progressed_since``) is not counted.
    Returns whether ``rows`` matched (another pass may have acted first)."""
    past_limit = started_at is not None and (now - started_at).total_seconds() >= spec.hard_time_limit_s
    if hard_limit_applies and past_limit:
        reason = f"stopped at the hard time limit of {spec.hard_time_limit_s} s (the worker was killed)"
        return bool(rows.update(status=JobStatus.FAILED, error=reason, finished_at=now))
    progressed = bool(spec.progressed_since and started_at is not None and spec.progressed_since(job_id, started_at))
    if progressed:
        # The attempt advanced the work: it is given back (the next claim counts it again), so
        # only attempts that stored nothing new count toward RUN_MAX_ATTEMPTS.
        updated = rows.update(
            status=JobStatus.QUEUED,
            stage="requeued after a lost worker (progress kept; no attempt counted)",
            attempts=Greatest(F("attempts") - 1, 0),
        )
    elif attempts >= settings.RUN_MAX_ATTEMPTS:
        reason = f"the worker was lost {attempts} times without progress; re-run to try again"
        return bool(rows.update(status=JobStatus.FAILED, error=reason, finished_at=now))
    else:
        updated = rows.update(status=JobStatus.QUEUED, stage="requeued after a lost worker")
    if updated and send:
        _redispatch(spec, job_id)
    return bool(updated)


def job_worker_lost(*, kind: str, job_id: int, worker_prefix: str, send: bool) -> bool:
    """The process whose worker name starts with ``worker_prefix`` stopped while running the job
    (its pool child was killed, or its Celery main process died): requeue the job at once rather
    than after RUN_STALE_AFTER_S — or fail it at its hard time limit or after RUN_MAX_ATTEMPTS.
    ``send``: send its message again (False when the broker re-delivers the original message).
    A job held by any other worker is left alone. Returns whether the job was acted on."""
    spec = job_kind(kind)
    rows = spec.model.objects.filter(pk=job_id, status=JobStatus.RUNNING, worker__startswith=worker_prefix)
    found = rows.values_list("attempts", "started_at").first()
    if found is None:
        return False
    attempts, started_at = found
    now = timezone.now()
    acted = _after_lost_worker(spec, job_id, rows, attempts=attempts, started_at=started_at, now=now, send=send)
    if acted:
        logger.warning("%s %s: its worker %s… was lost; recovered at once", kind, job_id, worker_prefix)
    return acted


def _recover_queued(spec: JobKind, *, now, limit: int) -> list[tuple[str, int]]:
    before = now - timedelta(seconds=settings.JOB_REDISPATCH_AFTER_S)
    lost = spec.model.objects.filter(status=JobStatus.QUEUED).filter(
        Q(dispatched_at__lt=before) | Q(dispatched_at__isnull=True, created_at__lt=before)
    )
    acted: list[tuple[str, int]] = []
    for job_id in lost.order_by("created_at").values_list("pk", flat=True)[:limit]:
        if not _redispatch(spec, job_id):
            break  # the broker is down: try again on the next pass
        acted.append((spec.name, job_id))
    return acted


def _redispatch(spec: JobKind, job_id: int) -> bool:
    try:
        if embedded_mode():
            _dispatch_now(kind=spec.name, job_id=job_id, wait=False)  # a recovery pass never waits for a job
        else:
            publish(kind=spec.name, job_id=job_id)
    except JobQueueUnavailable as error:
        logger.warning("could not re-dispatch %s %s: %s", spec.name, job_id, error)
        return False
    return True
