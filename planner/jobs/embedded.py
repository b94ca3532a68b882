"""Embedded mode (no broker configured): jobs run in a small pool of local worker threads with
the same soft and hard time limits as in a Celery worker, so a heavy job cannot hang a web
request: the request waits at most JOB_EMBEDDED_WAIT_S for it, then the page follows it live.

Soft limit: the job's progress callback raises once the soft limit has passed. Hard limit: a
timer marks the job failed with the reason; the thread's late result is then discarded (every
write of the lifecycle is conditional on the job still running). A caller that holds an open
transaction (tests, code inside ``transaction.atomic``) runs the job inline, because the row is
not yet visible to another connection.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connection

from planner.jobs.lifecycle import job_fail, job_kind, job_recover, job_run

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_recovery: threading.Thread | None = None
_futures: set[Future] = set()


def _pool() -> ThreadPoolExecutor:
    global _executor, _recovery
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=settings.JOB_EMBEDDED_WORKERS, thread_name_prefix="planner-job")
        if _recovery is None and settings.JOB_EMBEDDED_RECOVER_EVERY_S > 0:
            _recovery = threading.Thread(target=_recover_loop, daemon=True, name="planner-job-recovery")
            _recovery.start()
        return _executor


def embedded_submit(*, kind: str, job_id: int, wait: bool = True) -> None:
    """Run the job in a local worker thread and wait for it up to JOB_EMBEDDED_WAIT_S (or not at all)."""
    if connection.in_atomic_block:
        job_run(kind=kind, job_id=job_id, enforce_soft_limit=True)
        return
    future = _pool().submit(_execute, kind, job_id)
    _futures.add(future)
    future.add_done_callback(_futures.discard)
    if not wait:
        return
    try:
        future.result(timeout=settings.JOB_EMBEDDED_WAIT_S)
    except FutureTimeout:
        logger.info("%s %s continues in a local worker thread", kind, job_id)


def embedded_wait(timeout_s: float) -> bool:
    """Wait until every local job thread is idle (tests, shutdown); True when they all are."""
    from concurrent.futures import wait

    _done, pending = wait(list(_futures), timeout=timeout_s)
    return not pending


def _execute(kind: str, job_id: int) -> None:
    spec = job_kind(kind)
    timer = threading.Timer(spec.hard_time_limit_s, _hard_limit, args=(kind, job_id, spec.hard_time_limit_s))
    timer.daemon = True
    timer.start()
    try:
        job_run(kind=kind, job_id=job_id, enforce_soft_limit=True)
    except Exception:
        logger.exception("local job %s %s", kind, job_id)
    finally:
        timer.cancel()
        connection.close()


def _hard_limit(kind: str, job_id: int, limit_s: int) -> None:
    try:
        job_fail(kind=kind, job_id=job_id, reason=f"stopped at the hard time limit of {limit_s} s")
    finally:
        connection.close()


def _recover_loop() -> None:
    stop = threading.Event()
    while not stop.wait(settings.JOB_EMBEDDED_RECOVER_EVERY_S):
        try:
            job_recover(limit=settings.JOB_RECOVER_LIMIT)
        except Exception:  # recovery must keep running
            logger.exception("local job recovery failed")
        finally:
            connection.close()
