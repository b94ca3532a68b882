"""A handed-off study is judged by its chunks' progress, not by its own heartbeat or hard limit;
the aggregate is locked and waits for every planned point (issue 19, "jobs that neither double nor die")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from planner.jobs.embedded import embedded_wait
from planner.jobs.lifecycle import job_recover
from planner.jobs.models import JobStatus
from planner.studies import services
from planner.studies.models import StudyPoint, StudyRun
from tests.studies.conftest import make_study

RATES = [1000 * (i + 1) for i in range(4)]


def _handed_off_run(scenario, owner, settings, rates=RATES) -> StudyRun:
    """A study run whose chunks were sent long ago and have not started: its own heartbeat is
    stale and it is past its hard limit, as when its chunks wait in the queue behind another study."""
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": rates}})
    long_ago = timezone.now() - timedelta(seconds=services.STUDY_HARD_LIMIT_S + settings.RUN_STALE_AFTER_S)
    return StudyRun.objects.create(
        study=study,
        submitted_by=owner,
        inputs=scenario.inputs,
        definition=study.definition,
        points_total=len(rates),
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=long_ago,
        heartbeat_at=long_ago,
        handed_off_at=long_ago,
    )


@pytest.mark.django_db(transaction=True)
def test_a_study_whose_chunks_wait_behind_busy_workers_is_neither_failed_nor_requeued(
    embedded, scenario, owner, settings
):
    waiting = _handed_off_run(scenario, owner, settings)
    # Another study's chunks keep the workers busy: its heartbeat is fresh.
    busy = _handed_off_run(scenario, owner, settings)
    StudyRun.objects.filter(pk=busy.pk).update(heartbeat_at=timezone.now())

    assert job_recover() == []
    waiting.refresh_from_db()
    assert waiting.status == JobStatus.RUNNING and waiting.attempts == 1 and waiting.error == ""


@pytest.mark.django_db(transaction=True)
def test_a_study_whose_chunks_were_lost_is_requeued_past_its_hard_limit_and_finishes(
    embedded, scenario, owner, settings
):
    lost = _handed_off_run(scenario, owner, settings)
    StudyPoint.objects.create(run=lost, index=0, values={}, status="refused", error="stored before the loss")
    StudyPoint.objects.filter(run=lost).update(created_at=timezone.now() - timedelta(hours=1))

    assert job_recover() == [("study", lost.pk)]  # nothing progresses anywhere: requeued, not failed
    assert embedded_wait(120)
    lost.refresh_from_db()
    assert lost.status == JobStatus.SUCCEEDED, lost.error
    assert lost.attempts == 2
    assert sorted(lost.points.values_list("index", flat=True)) == [0, 1, 2, 3]
    assert lost.points.get(index=0).error == "stored before the loss"  # kept, not recomputed


@pytest.mark.django_db
def test_the_aggregate_waits_for_every_planned_point_and_finishes_once(scenario, owner, settings):
    run = _handed_off_run(scenario, owner, settings)
    StudyPoint.objects.create(run=run, index=0, values={}, status="computed", kpis={"devices": 1.0})
    services.study_run_aggregate(run_id=run.pk)  # a callback of an older chord, or a re-execute
    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING and run.summary is None, "3 points are still on their way"

    for index in (1, 2, 3):
        StudyPoint.objects.create(run=run, index=index, values={}, status="computed", kpis={"devices": 1.0})
    services.study_run_aggregate(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.summary["computed"] == 4
    finished_at = run.finished_at
    services.study_run_aggregate(run_id=run.pk)  # a second callback finds it finished: nothing changes
    run.refresh_from_db()
    assert run.finished_at == finished_at


def test_chunks_hold_about_a_second_of_measured_work_and_are_shared_evenly():
    # 512 points of 10 ms: a second is 100 points, but 8 chunks need 64 per chunk.
    assert services.chunk_points(512, 0.010) == 64
    # 4,096 points of 1 ms: a second (1,000 points) is more than the safety bound.
    assert services.chunk_points(4096, 0.001) == services.MAX_CHUNK_POINTS
    # 64 points of 0.5 s: two per chunk make a second.
    assert services.chunk_points(64, 0.5) == 2
    # Slow points: one per chunk.
    assert services.chunk_points(64, 3.0) == 1
