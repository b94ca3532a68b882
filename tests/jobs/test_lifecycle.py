"""The lifecycle contract with a kind of job made up for the test (on the Report table):
what execute() returns or raises decides the outcome; a finished job is never run again."""

import pytest
from django.utils import timezone

from planner.jobs import lifecycle
from planner.jobs.lifecycle import (
    HANDED_OFF,
    JobFailure,
    JobKind,
    job_dispatch,
    job_finish,
    job_heartbeat,
    job_run,
    register_job_kind,
)
from planner.jobs.models import JobStatus
from planner.reports.models import Report
from planner.scenarios.models import Run

pytestmark = pytest.mark.django_db

OUTCOMES: dict[int, object] = {}


def _execute(job_id: int, progress) -> object:
    progress("working", 0.5)
    outcome = OUTCOMES[job_id]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@pytest.fixture
def kind():
    register_job_kind(JobKind("probe", Report, _execute, soft_time_limit_s=5, hard_time_limit_s=10))
    yield "probe"
    del lifecycle._KINDS["probe"]


@pytest.fixture
def job(scenario, owner):
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs={}, input_hash="h", submitted_by=owner, status="succeeded"
    )
    return lambda kind_of_report: Report.objects.create(run=run, kind=kind_of_report)


@pytest.mark.parametrize(
    ("outcome", "status", "error"),
    [
        (None, JobStatus.SUCCEEDED, ""),
        (JobStatus.SUCCEEDED, JobStatus.SUCCEEDED, ""),
        (JobStatus.CONSTRAINTS_NOT_MET, JobStatus.CONSTRAINTS_NOT_MET, ""),
        (JobFailure("the input file is empty"), JobStatus.FAILED, "the input file is empty"),
        (ValueError("boom"), JobStatus.FAILED, "probe failed: ValueError: boom"),
    ],
)
def test_the_outcome_of_execute_sets_the_status(kind, job, outcome, status, error):
    row = job("json")
    OUTCOMES[row.pk] = outcome
    assert job_run(kind=kind, job_id=row.pk) is True
    row.refresh_from_db()
    assert (row.status, row.error) == (status, error)
    assert row.attempts == 1 and row.finished_at is not None and row.worker
    assert row.stage == ("done" if status != JobStatus.FAILED else "working")
    assert job_run(kind=kind, job_id=row.pk) is False, "a finished job is not claimed again"
    assert Report.objects.get(pk=row.pk).attempts == 1


def test_a_handed_off_job_stays_running_until_job_finish(kind, job):
    row = job("pdf")
    OUTCOMES[row.pk] = HANDED_OFF
    job_run(kind=kind, job_id=row.pk)
    row.refresh_from_db()
    assert row.status == JobStatus.RUNNING and row.progress_frac == 0.5
    job_heartbeat(kind=kind, job_id=row.pk, stage="sub-task 2 of 3", progress_frac=2 / 3)
    row.refresh_from_db()
    assert row.stage == "sub-task 2 of 3" and row.progress_frac == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="use job_fail"):
        job_finish(kind=kind, job_id=row.pk, status=JobStatus.FAILED)
    job_finish(kind=kind, job_id=row.pk, status=JobStatus.SUCCEEDED)
    row.refresh_from_db()
    assert row.status == JobStatus.SUCCEEDED and row.compute_s is not None and row.compute_s >= 0
    assert row.finished_at <= timezone.now()


def test_unknown_kinds_are_refused_before_the_commit():
    with pytest.raises(LookupError, match="no job kind 'nope'"):
        job_dispatch(kind="nope", job_id=1)


def test_a_kind_needs_a_hard_limit_above_its_soft_limit():
    with pytest.raises(ValueError, match="hard time limit must exceed"):
        register_job_kind(JobKind("bad", Report, _execute, soft_time_limit_s=10, hard_time_limit_s=10))
