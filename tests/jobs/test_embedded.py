"""Embedded mode (no broker): jobs run in local worker threads with the kind's soft and hard
time limits, and a web request waits at most JOB_EMBEDDED_WAIT_S for its job."""

import dataclasses
import time

import pytest

from planner.jobs.embedded import embedded_wait
from planner.jobs.lifecycle import job_kind, register_job_kind
from planner.jobs.models import JobStatus
from planner.scenarios import services
from planner.scenarios.models import Run
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tight_limits():
    """The run kind with a 1 s soft and a 3 s hard time limit."""
    original = job_kind("run")
    register_job_kind(dataclasses.replace(original, soft_time_limit_s=1, hard_time_limit_s=3))
    yield
    register_job_kind(original)


def test_it_stops_a_job_at_its_soft_time_limit(embedded, tight_limits, scenario, owner, settings, monkeypatch):
    settings.JOB_EMBEDDED_WAIT_S = 0
    monkeypatch.setenv("PLANNER_TEST_STAGE_DELAY_S", "0.6")  # each stage takes 0.6 s: past 1 s by the third
    run = services.run_submit(scenario=scenario, submitted_by=owner)
    failed = wait_for(lambda: (r := Run.objects.get(pk=run.pk)).is_finished and r, timeout_s=30, what="the run to stop")
    assert failed.status == JobStatus.FAILED
    assert failed.error == "stopped at the time limit of 1 s"
    assert embedded_wait(30)


def test_it_fails_a_job_at_its_hard_limit_and_never_holds_the_request(
    embedded, tight_limits, scenario, owner, settings, monkeypatch
):
    settings.JOB_EMBEDDED_WAIT_S = 1
    monkeypatch.setenv("PLANNER_TEST_STAGE_DELAY_S", "6")  # one stage that never reports back in time
    started = time.monotonic()
    run = services.run_submit(scenario=scenario, submitted_by=owner)
    assert time.monotonic() - started < 3, "the request returned after the wait, not after the job"
    assert Run.objects.get(pk=run.pk).status == JobStatus.RUNNING
    failed = wait_for(lambda: (r := Run.objects.get(pk=run.pk)).is_finished and r, timeout_s=30, what="the hard limit")
    assert failed.status == JobStatus.FAILED and failed.error == "stopped at the hard time limit of 3 s"
    assert embedded_wait(30)
    assert Run.objects.get(pk=run.pk).status == JobStatus.FAILED, "the thread's late end changes nothing"
