"""A portfolio run goes through the real Redis broker to a real Celery worker; the result lands in PostgreSQL."""

import pytest

from planner.jobs.models import JobStatus as PortfolioRunStatus
from planner.portfolios import services
from planner.portfolios.models import PortfolioRun
from planner.portfolios.selectors import COMPLETED
from tests.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _finished(run_id: int):
    run = PortfolioRun.objects.get(pk=run_id)
    return run if run.is_finished else None


def test_the_worker_studies_a_portfolio(celery_worker, portfolio, owner):
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    assert run.status == PortfolioRunStatus.QUEUED  # not eager: the worker process does the work
    done = wait_for(lambda: _finished(run.pk), timeout_s=120, what="the worker to finish the portfolio run")
    assert done.status in COMPLETED, done.error
    assert done.attempts == 1 and done.worker and done.progress_frac == 1.0
    yearly = done.result["regions"]["pjm-dominion"]["yearly"]
    assert len(yearly) == 5 and yearly[-1]["aggregate_coincident_peak_mw"] > 0
