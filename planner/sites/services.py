"""Writes: create, update and delete comparisons; submit and execute their computation (a job)."""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from planner.engine.schema import ScenarioError
from planner.engine.site_comparison import compare_sites, parse_comparison
from planner.scenarios.models import Organisation
from planner.sites.models import ComparisonRun, ComparisonStatus, SiteComparison

logger = logging.getLogger(__name__)


def comparison_create(
    *, organisation: Organisation, created_by: AbstractBaseUser, inputs: dict[str, Any]
) -> SiteComparison:
    """Validate (ScenarioError naming each bad field) and store a comparison."""
    spec = parse_comparison(inputs)
    return SiteComparison.objects.create(
        organisation=organisation, name=spec.name, inputs=inputs, created_by=created_by
    )


def comparison_update(*, comparison: SiteComparison, inputs: dict[str, Any]) -> SiteComparison:
    spec = parse_comparison(inputs)
    comparison.name, comparison.inputs = spec.name, inputs
    comparison.save(update_fields=["name", "inputs", "updated_at"])
    return comparison


def comparison_delete(*, comparison: SiteComparison) -> None:
    comparison.delete()


def comparison_run_submit(
    *, comparison: SiteComparison, submitted_by: AbstractBaseUser, idempotency_key: str = ""
) -> tuple[ComparisonRun, bool]:
    """Queue a computation of the comparison's current inputs (dispatched after commit); (run, created)."""
    from planner.sites.tasks import comparison_execute_task

    with transaction.atomic():
        SiteComparison.objects.select_for_update().filter(pk=comparison.pk).first()
        if idempotency_key:
            existing = ComparisonRun.objects.filter(comparison=comparison, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        run = ComparisonRun.objects.create(
            comparison=comparison, inputs=comparison.inputs, submitted_by=submitted_by, idempotency_key=idempotency_key
        )
        transaction.on_commit(lambda: comparison_execute_task.delay(run.pk))
    return run, True


def _claim(run_id: int) -> bool:
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.RUN_STALE_AFTER_S)
    return (
        ComparisonRun.objects.filter(pk=run_id)
        .filter(Q(status=ComparisonStatus.QUEUED) | Q(status=ComparisonStatus.RUNNING, heartbeat_at__lt=stale_before))
        .update(
            status=ComparisonStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            stage="starting",
            progress_frac=0.0,
            error="",
        )
        == 1
    )


def comparison_run_fail(*, run_id: int, reason: str) -> None:
    ComparisonRun.objects.filter(pk=run_id).exclude(status__in=[ComparisonStatus.SUCCEEDED]).update(
        status=ComparisonStatus.FAILED, error=reason[:10_000], finished_at=timezone.now()
    )


def comparison_run_execute(*, run_id: int) -> ComparisonRun | None:
    """Claim (conditional UPDATE) and compute a comparison run; idempotent, failures keep their reason."""
    if not _claim(run_id):
        return None
    run = ComparisonRun.objects.get(pk=run_id)
    if run.attempts > settings.RUN_MAX_ATTEMPTS:
        comparison_run_fail(run_id=run_id, reason=f"gave up after {run.attempts - 1} attempts")
        return ComparisonRun.objects.get(pk=run_id)

    def progress(stage: str, frac: float) -> None:
        ComparisonRun.objects.filter(pk=run_id, status=ComparisonStatus.RUNNING).update(
            stage=stage[:100], progress_frac=max(0.0, min(1.0, frac)), heartbeat_at=timezone.now()
        )

    started = time.perf_counter()
    try:
        result = compare_sites(parse_comparison(run.inputs), progress=progress)
    except ScenarioError as error:
        comparison_run_fail(run_id=run_id, reason=f"invalid comparison: {error}")
        return ComparisonRun.objects.get(pk=run_id)
    except Exception as error:  # the job records why it failed, whatever failed
        logger.exception("comparison run %s failed", run_id)
        comparison_run_fail(run_id=run_id, reason=traceback.format_exception_only(type(error), error)[-1].strip())
        return ComparisonRun.objects.get(pk=run_id)
    # A comparison with no site able to serve the demand finished, but did not meet its constraints.
    status = ComparisonStatus.SUCCEEDED if result["ranking"] else ComparisonStatus.CONSTRAINTS_NOT_MET
    ComparisonRun.objects.filter(pk=run_id, status=ComparisonStatus.RUNNING).update(
        status=status,
        result=result,
        stage="done",
        progress_frac=1.0,
        finished_at=timezone.now(),
        compute_s=time.perf_counter() - started,
        error="" if result["ranking"] else "no candidate site can serve every interactive workload within its limits",
    )
    return ComparisonRun.objects.get(pk=run_id)
