"""The portfolio run as a background job.

Interim adapter: the shared job lifecycle (planner.jobs, helper "jobs": claim, heartbeat, limits,
recovery) was not merged when this app was written. This module keeps to its contract — one
``execute(job_id, progress) -> status`` (services.portfolio_run_execute), claim by a conditional
UPDATE, progress that beats the heartbeat, failure with the reason — so that switching is:
``register_job_kind(JobKind("portfolio_run", PortfolioRun, portfolio_run_execute, …))`` in
apps.ready() and ``job_dispatch(kind="portfolio_run", job_id=…)`` in :func:`dispatch`.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from planner.celery import app
from planner.portfolios.models import PortfolioRun, PortfolioRunStatus
from planner.portfolios.validation import PortfolioInputError

logger = logging.getLogger(__name__)


def dispatch(job_id: int) -> None:
    portfolio_run_task.delay(job_id)


def _claim(job_id: int) -> bool:
    now = timezone.now()
    return (
        PortfolioRun.objects.filter(pk=job_id, status=PortfolioRunStatus.QUEUED).update(
            status=PortfolioRunStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            stage="starting",
            progress_frac=0.0,
        )
        == 1
    )


def _progress(job_id: int):
    def progress(stage: str, frac: float) -> None:
        PortfolioRun.objects.filter(pk=job_id, status=PortfolioRunStatus.RUNNING).update(
            stage=stage[:100], progress_frac=max(0.0, min(1.0, frac)), heartbeat_at=timezone.now()
        )

    return progress


def _fail(job_id: int, reason: str) -> None:
    PortfolioRun.objects.filter(pk=job_id).exclude(status=PortfolioRunStatus.SUCCEEDED).update(
        status=PortfolioRunStatus.FAILED, error=reason[:10_000], finished_at=timezone.now()
    )


def job_execute(job_id: int) -> None:
    """Claim, run services.portfolio_run_execute, record success or the reason it failed."""
    from planner.portfolios.services import portfolio_run_execute

    if not _claim(job_id):
        logger.info("portfolio run %s not claimed (finished or held)", job_id)
        return
    try:
        status = portfolio_run_execute(job_id, _progress(job_id))
    except PortfolioInputError as error:
        _fail(job_id, f"invalid portfolio: {error}")
        return
    except SoftTimeLimitExceeded:
        _fail(job_id, f"stopped at the time limit of {settings.RUN_SOFT_TIME_LIMIT_S} s")
        return
    except Exception as error:  # the job must record why it failed, whatever failed
        logger.exception("portfolio run %s failed", job_id)
        _fail(job_id, "computation failed: " + traceback.format_exception_only(type(error), error)[-1].strip())
        return
    PortfolioRun.objects.filter(pk=job_id, status=PortfolioRunStatus.RUNNING).update(
        status=status, stage="done", progress_frac=1.0, finished_at=timezone.now()
    )


@app.task(
    name="planner.portfolio_run_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.RUN_SOFT_TIME_LIMIT_S,
    time_limit=settings.RUN_HARD_TIME_LIMIT_S,
)
def portfolio_run_task(job_id: int) -> None:
    job_execute(job_id)
