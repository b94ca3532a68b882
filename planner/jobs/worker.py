"""What a `celery -A planner worker` adds to the job lifecycle.

- Its own timer: every JOB_RECOVER_EVERY_S it sends the periodic ``planner.job_recover`` task (and
  once shortly after it starts). No separate beat process is needed; several workers sending it is
  harmless (recovery is idempotent).
- A pool child killed mid-job (OOM killer, ``kill -9``): the main process sees the child go
  (WorkerLostError) and requeues the job *before* the broker re-delivers its message
  (``JobRequest``), so the re-delivered message claims it at once instead of finding a
  fresh heartbeat and waiting RUN_STALE_AFTER_S for the recovery.
- A main process killed: its pool children notice within PARENT_WATCH_EVERY_S (their parent
  changes), hand their jobs back (requeued and sent again, for another worker) and exit. Neither an
  orphan living on nor a child killed with its parent (Celery's default), whose job would wait for
  its heartbeat to go stale; its unacknowledged message is harmless when the broker re-delivers it
  after the visibility timeout (the claim refuses a finished job).
"""

from __future__ import annotations

import logging
import os
import threading

from billiard.exceptions import WorkerLostError
from celery import bootsteps, signals
from celery.worker.request import Request
from django.conf import settings

logger = logging.getLogger(__name__)

PARENT_WATCH_EVERY_S = 0.5


def send_recover() -> None:
    from planner.jobs.tasks import job_recover_task

    try:
        job_recover_task.apply_async(expires=max(5, settings.JOB_RECOVER_EVERY_S), retry=False)
    except Exception as error:  # the broker is down: the next tick tries again
        logger.warning("could not send the job recovery task: %s", error)


class JobRecoveryTimer(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.trefs: list = []

    def start(self, worker) -> None:
        every_s = settings.JOB_RECOVER_EVERY_S
        if every_s <= 0:
            return
        self.trefs = [worker.timer.call_after(1.0, send_recover), worker.timer.call_repeatedly(every_s, send_recover)]

    def stop(self, worker) -> None:
        for tref in self.trefs:
            tref.cancel()
        self.trefs = []


class JobRequest(Request):
    """The main process's view of a ``planner.job_execute`` message (Celery custom request class)."""

    def on_failure(self, exc_info, send_failed_event=True, return_ok=False):
        exc = getattr(exc_info.exception, "exc", exc_info.exception)  # unwrap ExceptionWithTraceback
        lost = isinstance(exc, WorkerLostError | SystemExit | KeyboardInterrupt)
        if lost and self.worker_pid and not (self._already_cancelled or self._already_revoked):
            # Before super() rejects the message for re-delivery: the job must be claimable then.
            _requeue_after_lost_child(self.args, self.worker_pid)
        return super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)


def _requeue_after_lost_child(args, pid: int) -> None:
    from django.db import close_old_connections

    from planner.jobs.lifecycle import job_worker_lost, worker_process_prefix

    try:
        kind, job_id = args
        close_old_connections()
        # send=False: the broker re-delivers this very message (reject_on_worker_lost).
        job_worker_lost(kind=kind, job_id=int(job_id), worker_prefix=worker_process_prefix(pid), send=False)
    except Exception:  # never break the worker's own failure handling; the recovery is the fallback
        logger.exception("could not requeue the job of lost pool child %s", pid)


@signals.worker_process_init.connect
def _watch_parent(**_kwargs) -> None:
    """In each pool child: exit, handing the running jobs back, when the main process dies.

    Celery asks the kernel to SIGKILL a pool child when its parent dies (PR_SET_PDEATHSIG): no
    orphan, but its job would then wait for its heartbeat to go stale. The watchdog replaces that
    signal: it hands the job back first (about a second instead of RUN_STALE_AFTER_S + a pass)."""
    parent = os.getppid()
    try:
        from billiard.util import set_pdeathsig

        set_pdeathsig(0)
    except (ImportError, OSError):  # not Linux: there was no such signal to replace
        pass
    threading.Thread(target=_parent_watchdog, args=(parent,), daemon=True, name="planner-parent-watchdog").start()


def _parent_watchdog(parent: int) -> None:
    stop = threading.Event()
    while not stop.wait(PARENT_WATCH_EVERY_S):
        if os.getppid() != parent:
            break
    from planner.jobs.lifecycle import job_worker_lost, jobs_executing

    for kind, job_id, worker in jobs_executing():
        try:
            job_worker_lost(kind=kind, job_id=job_id, worker_prefix=worker, send=True)
        except Exception:  # the recovery takes the job once its heartbeat is stale
            logger.exception("could not hand back %s %s", kind, job_id)
    logger.warning("the worker's main process %s is gone; this pool child exits", parent)
    os._exit(1)
