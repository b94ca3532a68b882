"""A portfolio run on the shared job lifecycle: the broker down (503, failed with the reason) and
embedded mode (no broker: a bounded local worker thread computes it)."""

import pytest

from planner.jobs.models import JobStatus
from planner.portfolios import services
from planner.portfolios.models import PortfolioRun
from planner.portfolios.selectors import COMPLETED
from tests.api.conftest import client_for
from tests.conftest import wait_for
from tests.jobs.conftest import broker_down  # noqa: F401  (fixture; `embedded` is in tests/conftest.py)

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_503_and_stores_the_reason_when_the_queue_is_down(broker_down, portfolio, owner):  # noqa: F811
    response = client_for(owner).post(f"/api/v1/portfolios/{portfolio.pk}/runs/", HTTP_IDEMPOTENCY_KEY="outage")
    assert response.status_code == 503 and response.json()["code"] == "queue_unavailable"
    dead = PortfolioRun.objects.get()
    assert dead.status == JobStatus.FAILED and "job queue is unavailable" in dead.error
    assert dead.idempotency_key == "", "a retry with the same key starts a new run"


def test_it_runs_in_a_local_worker_without_a_broker(embedded, portfolio, owner):
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    done = wait_for(
        lambda: (r := PortfolioRun.objects.get(pk=run.pk)).is_finished and r, timeout_s=60, what="the local worker"
    )
    assert done.status in COMPLETED, done.error
    assert done.result["regions"]["pjm-dominion"]["yearly"][0]["year"] == 2026
