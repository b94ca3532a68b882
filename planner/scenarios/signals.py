"""When a worker starts, requeue runs that a previous (killed) worker left behind."""

from __future__ import annotations

import logging

from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@worker_ready.connect
def _recover_stale_runs(**_: object) -> None:
    from planner.scenarios.services import run_recover_stale

    try:
        requeued = run_recover_stale()
    except Exception:  # a recovery failure must not stop the worker from serving
        logger.exception("stale-run recovery failed")
        return
    if requeued:
        logger.warning("requeued runs left by a lost worker: %s", requeued)
