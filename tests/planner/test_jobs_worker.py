"""Runs go through a real Redis broker to a real Celery worker process; results land in PostgreSQL."""

import pytest

from planner.scenarios import services
from planner.scenarios.models import Run, RunHourly, RunStatus
from tests.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _finished(run_id: int):
    run = Run.objects.get(pk=run_id)
    return run if run.is_finished else None


def test_it_executes_a_submitted_run_in_the_worker(celery_worker, owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    run = services.run_submit(scenario=scenario, submitted_by=owner)
    assert run.status == RunStatus.QUEUED  # not eager: the worker process does the work

    done = wait_for(lambda: _finished(run.pk), timeout_s=120, what="the worker to finish the run")
    assert done.status == RunStatus.SUCCEEDED, done.error
    assert done.worker.split(":")[0], "the run records which worker host ran it"
    assert done.attempts == 1
    assert done.result["peak_facility_power_mw"] > 0
    # Facility power is IT plus losses plus cooling, so the peak is above the IT energy's mean.
    assert done.result["annual_facility_energy_mwh"] >= done.result["annual_it_energy_mwh"]
    assert RunHourly.objects.filter(run=done).exists()


def test_it_does_nothing_when_a_message_is_redelivered(celery_worker, owner, organisation, small_inputs):
    from planner.jobs.tasks import job_execute_task

    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    run = services.run_submit(scenario=scenario, submitted_by=owner)
    done = wait_for(lambda: _finished(run.pk), timeout_s=120, what="the first execution")
    finished_at = done.finished_at

    job_execute_task.delay("run", run.pk)  # the same message again, as a broker re-delivery would
    job_execute_task.delay("run", run.pk)
    probe = services.run_submit(scenario=scenario, submitted_by=owner)  # a later job as a fence
    wait_for(lambda: _finished(probe.pk), timeout_s=120, what="the fence run")

    again = Run.objects.get(pk=run.pk)
    assert again.attempts == 1
    assert again.finished_at == finished_at
    assert again.status == RunStatus.SUCCEEDED


def test_it_records_why_a_run_failed_and_reruns_it(celery_worker, owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    bad = dict(small_inputs)
    bad["hardware"] = [{**small_inputs["hardware"][0], "accelerator": "no-such-chip"}]
    # Stored inputs are validated by schema only; the catalog lookup fails inside the job.
    run = Run.objects.create(scenario=scenario, scenario_version=1, inputs=bad, input_hash="x", submitted_by=owner)
    from planner.jobs.tasks import job_execute_task

    job_execute_task.delay("run", run.pk)
    failed = wait_for(lambda: _finished(run.pk), timeout_s=120, what="the failing run")
    assert failed.status == RunStatus.FAILED
    assert "no-such-chip" in failed.error
    assert Run.objects.filter(pk=run.pk).exists(), "a failed run is kept with its inputs"

    rerun = services.run_resubmit(run=failed, submitted_by=owner)
    assert rerun.inputs == bad and rerun.pk != failed.pk
