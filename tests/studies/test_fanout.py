"""A study fans out over real Celery workers (Redis broker + result backend, PostgreSQL): chunks run
on both workers, every point is stored, a point that raises is retried then recorded with its reason,
a re-run skips stored points, a cancelled run stops, and SIGKILL of a worker mid-study loses no point."""

import pytest

from planner.studies import services
from planner.studies.models import PointStatus, StudyPoint, StudyRun
from tests.conftest import Worker, wait_for
from tests.studies.conftest import make_study

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RATES = [1000 * (i + 1) for i in range(16)]  # 16 points, one chunk each (planner.studies.services.chunk_points)
FAULT = "7000"  # the point with this rate raises (PLANNER_TEST_STUDY_FAULT)


@pytest.fixture(scope="module")
def two_workers(services_ready):
    # Fast recovery, so that the last test sees a killed worker's study re-executed within seconds.
    # Each point held 30 ms: a point takes ≈ 2 ms of CPU now, and a study of 64–96 points would finish
    # before the cancel or the kill below could land mid-study (what those tests are about).
    env = {
        "PLANNER_TEST_STUDY_FAULT": FAULT,
        "PLANNER_RUN_STALE_AFTER_S": "5",
        "PLANNER_JOB_RECOVER_EVERY_S": "1",
        "PLANNER_TEST_POINT_DELAY_S": "0.03",
    }
    workers = [Worker(services_ready, extra_env=env) for _ in range(2)]
    for worker in workers:
        worker.start()
    yield workers
    for worker in workers:
        worker.stop()


def _finished(run_id: int):
    run = StudyRun.objects.get(pk=run_id)
    return run if run.is_finished else None


def test_it_spreads_chunks_over_two_workers_and_stores_every_point(two_workers, scenario, owner):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": RATES}})
    run, created = services.study_run_submit(study=study, submitted_by=owner)
    assert created and run.points_total == 16
    done = wait_for(lambda: _finished(run.pk), timeout_s=90, what="the study to finish")
    assert done.status == "succeeded", done.error
    points = StudyPoint.objects.filter(run=done)
    assert sorted(points.values_list("index", flat=True)) == list(range(16))
    hosts = {p.worker for p in points}
    assert hosts == {w.name for w in two_workers}, f"chunks ran on {hosts}"
    # The faulty point was tried 1 + 2 retries times, then recorded with the reason, not dropped.
    failed = points.get(values={"workloads[1].peak_requests_per_s": int(FAULT)})
    assert failed.status == PointStatus.FAILED and failed.attempts == 3
    assert "injected fault" in failed.error
    # Physics still orders the computed rows: more requests, more devices, more peak MW.
    computed = points.filter(status=PointStatus.COMPUTED).order_by("index")
    peaks = [p.kpis["peak_facility_power_mw"] for p in computed]
    assert len(peaks) == 15 and peaks == sorted(peaks)
    assert done.summary["computed"] == 15 and str(failed.index) in done.summary["refused"]


def test_it_reruns_only_the_missing_points_after_a_crash(two_workers, scenario, owner):
    from planner.jobs.lifecycle import job_run

    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"site.cooling": ["evaporative", "immersion"]}})
    run, _ = services.study_run_submit(study=study, submitted_by=owner)
    done = wait_for(lambda: _finished(run.pk), timeout_s=60, what="the first run")
    first = {p.index: p.created_at for p in done.points.all()}
    # Simulate a crash after one point was stored: drop the other, put the job back to queued.
    done.points.filter(index=1).delete()
    StudyRun.objects.filter(pk=run.pk).update(status="queued", summary=None, finished_at=None)
    job_run(kind="study", job_id=run.pk)  # re-execute (as recovery would): only point 1 is sent
    again = wait_for(lambda: _finished(run.pk), timeout_s=60, what="the re-run")
    assert again.status == "succeeded"
    assert again.points.get(index=0).created_at == first[0]  # kept, not recomputed
    assert again.points.filter(index=1).exists()


def test_it_stops_a_cancelled_run(two_workers, scenario, owner):
    study = make_study(scenario, owner, {"kind": "uncertainty", "samples": 64, "method": "lhs"})
    run, _ = services.study_run_submit(study=study, submitted_by=owner)
    wait_for(lambda: StudyPoint.objects.filter(run_id=run.pk).count() >= 2, timeout_s=60, what="first points")
    services.study_run_cancel(run=StudyRun.objects.get(pk=run.pk), user=owner)
    cancelled = StudyRun.objects.get(pk=run.pk)
    assert cancelled.status == "failed" and "cancelled by owner" in cancelled.error
    import time

    time.sleep(1.5)  # chunks in flight finish their current point at most
    settled = StudyPoint.objects.filter(run_id=run.pk).count()
    time.sleep(1.0)
    assert StudyPoint.objects.filter(run_id=run.pk).count() == settled < 64


def test_it_loses_no_point_when_a_worker_is_killed(two_workers, scenario, owner):
    # Last in this module: it kills the first worker. The second one's recovery timer finds the
    # study's heartbeat stale and re-executes it; execute() sends only the points without a row.
    points = 96
    rates = [100 * (i + 1) for i in range(points)]
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": rates}})
    run, _ = services.study_run_submit(study=study, submitted_by=owner)
    try:
        wait_for(lambda: StudyPoint.objects.filter(run_id=run.pk).count() >= 4, timeout_s=60, what="first points")
    finally:
        two_workers[0].kill()
    first_claim = StudyRun.objects.get(pk=run.pk).started_at
    assert StudyPoint.objects.filter(run_id=run.pk).count() < points, "finished before the kill; make it larger"
    done = wait_for(lambda: _finished(run.pk), timeout_s=120, what="recovery by the other worker")
    assert done.status == "succeeded", done.error
    assert sorted(done.points.values_list("index", flat=True)) == list(range(points))
    assert done.started_at > first_claim  # re-executed by the recovery…
    assert done.attempts == 1  # …without counting an attempt: the lost one had stored points (issue 20 #4)
