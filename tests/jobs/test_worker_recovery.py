"""Broker loss with real services: runs and a report are queued while no worker is up, Redis
loses every message (FLUSHDB of the broker's database, as a restart without persistence does),
then a worker starts and its periodic recovery gets every job done — no page or API read needed."""

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from planner.jobs.models import JobStatus
from planner.reports.models import Report
from planner.reports.services import report_request
from planner.scenarios import services
from planner.scenarios.models import Run
from tests.conftest import Worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FAST_RECOVERY = {"PLANNER_JOB_RECOVER_EVERY_S": "1", "PLANNER_JOB_REDISPATCH_AFTER_S": "2"}


def test_it_completes_queued_jobs_whose_messages_the_broker_lost(services_ready, owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    done = Run.objects.create(
        scenario=scenario,
        scenario_version=1,
        inputs=scenario.inputs,
        input_hash="h",
        submitted_by=owner,
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        result={"peak_facility_power_mw": 1.0},
    )
    runs = [services.run_submit(scenario=scenario, submitted_by=owner) for _ in range(2)]
    report = report_request(run=done, kind="json")
    assert all(Run.objects.get(pk=run.pk).dispatched_at for run in runs), "each message was sent"

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) >= 3
    broker.flushdb()  # Redis restarted without persistence: every queued message is gone

    worker = Worker(services_ready, FAST_RECOVERY).start()
    try:
        wait_for(
            lambda: (
                all(Run.objects.get(pk=run.pk).is_finished for run in runs)
                and Report.objects.get(pk=report.pk).is_finished
            ),
            timeout_s=120,
            what="the periodic recovery to re-send the lost jobs and the worker to finish them",
        )
    finally:
        worker.stop()
    for run in runs:
        run.refresh_from_db()
        assert run.status == JobStatus.SUCCEEDED, run.error
        assert run.attempts == 1, "a duplicate message never runs a job twice"
    report.refresh_from_db()
    assert report.is_ready, report.error
