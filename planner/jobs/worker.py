"""The worker's own timer: every JOB_RECOVER_EVERY_S each `celery -A planner worker` sends the
periodic ``planner.job_recover`` task (and once shortly after it starts). No separate beat
process is needed; several workers sending it is harmless (recovery is idempotent)."""

from __future__ import annotations

import logging

from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)


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
