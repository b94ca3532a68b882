"""A study whose workers are lost while its points progress is not failed for the losses (issue 20 #4).

Before, every hand-back of a study run counted an attempt toward RUN_MAX_ATTEMPTS like a stuck job:
three main-process kills failed a study that had 98 % of its points. Now an attempt whose run stored
a new point since its claim is not counted (JobKind.progressed_since); a run lost again and again
without storing anything still fails after RUN_MAX_ATTEMPTS.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from planner.jobs.lifecycle import job_worker_lost
from planner.jobs.models import JobStatus
from planner.studies import services
from planner.studies.models import StudyPoint, StudyRun
from tests.conftest import Worker, wait_for
from tests.studies.conftest import make_study

RATES = [1000 * (i + 1) for i in range(4)]
HOLDER = "host-a:4242:1"


def _claimed_run(scenario, owner, *, attempts: int, claimed_s_ago: float) -> StudyRun:
    """A study run claimed ``claimed_s_ago`` by HOLDER (attempt number ``attempts``)."""
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": RATES}})
    claimed = timezone.now() - timedelta(seconds=claimed_s_ago)
    return StudyRun.objects.create(
        study=study,
        submitted_by=owner,
        inputs=scenario.inputs,
        definition=study.definition,
        points_total=len(RATES),
        status=JobStatus.RUNNING,
        attempts=attempts,
        worker=HOLDER,
        started_at=claimed,
        heartbeat_at=claimed,
    )


@pytest.mark.django_db
def test_a_lost_worker_costs_no_attempt_when_the_run_stored_points_since_its_claim(scenario, owner, settings):
    settings.RUN_MAX_ATTEMPTS = 3
    run = _claimed_run(scenario, owner, attempts=3, claimed_s_ago=10)  # the last attempt allowed
    StudyPoint.objects.create(run=run, index=0, values={}, status="computed", kpis={"devices": 1.0})

    assert job_worker_lost(kind="study", job_id=run.pk, worker_prefix="host-a:4242:", send=False)
    run.refresh_from_db()
    assert run.status == JobStatus.QUEUED, run.error  # before: failed, "the worker was lost 3 times"
    assert run.attempts == 2, "the attempt that stored a point is given back; the next claim counts it"
    assert "no attempt counted" in run.stage


@pytest.mark.django_db
def test_a_run_lost_without_progress_still_fails_after_the_maximum(scenario, owner, settings):
    settings.RUN_MAX_ATTEMPTS = 3
    run = _claimed_run(scenario, owner, attempts=3, claimed_s_ago=10)
    old = StudyPoint.objects.create(run=run, index=0, values={}, status="computed", kpis={"devices": 1.0})
    StudyPoint.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))  # before the claim

    assert job_worker_lost(kind="study", job_id=run.pk, worker_prefix="host-a:4242:", send=False)
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.error == "the worker was lost 3 times without progress; re-run to try again"

    fewer = _claimed_run(scenario, owner, attempts=2, claimed_s_ago=10)  # below the maximum: requeued, counted
    assert job_worker_lost(kind="study", job_id=fewer.pk, worker_prefix="host-a:", send=False)
    fewer.refresh_from_db()
    assert fewer.status == JobStatus.QUEUED and fewer.attempts == 2


# ---- through real workers --------------------------------------------------------------------------

POINT_DELAY_S = 0.8  # a chunk runs about this long per point: the kill lands inside one
STALE_AFTER_S = 5  # the smallest stale window the settings accept
POINTS = 16


@pytest.fixture(scope="module")
def two_workers(services_ready):
    env = {
        "PLANNER_TEST_POINT_DELAY_S": str(POINT_DELAY_S),
        "PLANNER_RUN_STALE_AFTER_S": str(STALE_AFTER_S),
        "PLANNER_JOB_RECOVER_EVERY_S": "1",
        # One attempt only: before, the first lost worker failed the study whatever it had stored.
        "PLANNER_RUN_MAX_ATTEMPTS": "1",
    }
    workers = [Worker(services_ready, extra_env=env) for _ in range(2)]
    for worker in workers:
        worker.start()
    yield workers
    for worker in workers:
        worker.stop()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_main_process_kill_while_points_progress_does_not_fail_the_study(
    two_workers, scenario, owner, settings, record_property
):
    settings.RUN_STALE_AFTER_S = STALE_AFTER_S
    settings.RUN_MAX_ATTEMPTS = 1
    rates = [1000 + 100 * i for i in range(POINTS)]
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": rates}})
    run, _ = services.study_run_submit(study=study, submitted_by=owner)
    by_name = {worker.name: worker for worker in two_workers}
    first_claim = wait_for(
        lambda: (
            StudyRun.objects.filter(pk=run.pk, handed_off_at__isnull=False).values_list("started_at", flat=True).first()
        ),
        timeout_s=60,
        what="the study to send its chunks",
    )
    # Chunks are running (several points stored, most still queued): the worker that stored the
    # latest point holds a chunk of the run now; its main process is killed, as in the issue.
    wait_for(lambda: StudyPoint.objects.filter(run=run).count() >= 4, timeout_s=60, what="four points")
    point = StudyPoint.objects.filter(run=run, worker__in=list(by_name)).order_by("-created_at").first()
    # A third of a point after its latest row, the victim is inside its next chunk (most are queued).
    time.sleep(max(0.0, POINT_DELAY_S / 3 - (timezone.now() - point.created_at).total_seconds()))
    stored = StudyPoint.objects.filter(run=run).count()
    victim = by_name[point.worker]
    os.kill(victim.process.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    victim.process.wait(timeout=10)

    def claimed_again():
        current = StudyRun.objects.get(pk=run.pk)
        return current.is_finished or current.started_at > first_claim

    wait_for(claimed_again, timeout_s=60, what="the study to be claimed again")
    claimed_s = time.monotonic() - killed_at
    wait_for(lambda: StudyRun.objects.get(pk=run.pk).is_finished, timeout_s=120, what="the study to finish")
    finished_s = time.monotonic() - killed_at

    done = StudyRun.objects.get(pk=run.pk)
    assert done.status == JobStatus.SUCCEEDED, done.error  # before: "the worker was lost 1 times; …"
    assert done.started_at > first_claim, "the lost chunk made the run go back to the queue once"
    assert done.attempts == 1, "the lost attempt had stored points: it is not counted"
    assert sorted(done.points.values_list("index", flat=True)) == list(range(POINTS)), "every point once"
    record_property("claimed_again_s", round(claimed_s, 1))
    record_property("finished_s", round(finished_s, 1))
    print(
        f"main process killed with {stored}/{POINTS} points stored: study claimed again after {claimed_s:.1f} s, "
        f"finished after {finished_s:.1f} s, attempts {done.attempts}"
    )
