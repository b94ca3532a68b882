"""A worker killed in the middle of a run: the run is recovered, never stuck or lost."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from planner.jobs.lifecycle import job_recover
from planner.scenarios import services
from planner.scenarios.models import Run, RunStatus
from tests.conftest import Worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

STALE_AFTER_S = 5


@override_settings(RUN_STALE_AFTER_S=STALE_AFTER_S)
def test_it_reruns_a_run_whose_worker_was_killed(services_ready, owner, organisation, small_inputs, client):
    slow = {"PLANNER_TEST_STAGE_DELAY_S": "1.0", "PLANNER_RUN_STALE_AFTER_S": str(STALE_AFTER_S)}
    first = Worker(services_ready, slow).start()
    try:
        scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
        run = services.run_submit(scenario=scenario, submitted_by=owner)
        wait_for(lambda: Run.objects.get(pk=run.pk).status == RunStatus.RUNNING, timeout_s=60, what="the run to start")
        first.kill()
    finally:
        first.stop()
    killed = Run.objects.get(pk=run.pk)
    assert killed.status == RunStatus.RUNNING and killed.attempts == 1

    recovering = {"PLANNER_RUN_STALE_AFTER_S": str(STALE_AFTER_S), "PLANNER_JOB_RECOVER_EVERY_S": "2"}
    second = Worker(services_ready, recovering).start()
    try:
        # No page or API read: the worker's periodic recovery requeues the run whose worker went silent.
        wait_for(lambda: Run.objects.get(pk=run.pk).is_finished, timeout_s=180, what="the recovered run to finish")
    finally:
        second.stop()
    client.force_login(owner)
    status = client.get(f"/runs/{run.pk}/status.json").json()
    recovered = Run.objects.get(pk=run.pk)
    assert status["status"] == RunStatus.SUCCEEDED, recovered.error
    assert recovered.attempts == 2
    assert recovered.result["peak_facility_power_mw"] > 0


@override_settings(RUN_STALE_AFTER_S=STALE_AFTER_S, RUN_MAX_ATTEMPTS=2)
def test_it_fails_a_run_with_a_reason_after_too_many_lost_workers(owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    run = Run.objects.create(
        scenario=scenario,
        scenario_version=1,
        inputs=small_inputs,
        input_hash="h",
        submitted_by=owner,
        status=RunStatus.RUNNING,
        attempts=2,
        heartbeat_at=timezone.now() - timedelta(seconds=60),
    )
    assert job_recover() == [("run", run.pk)]
    failed = Run.objects.get(pk=run.pk)
    assert failed.status == RunStatus.FAILED
    assert "lost 2 times" in failed.error
