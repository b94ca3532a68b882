"""Two studies at once on two real workers (Redis broker, PostgreSQL): the second study's chunks
wait in the queue behind the first's for longer than the stale-heartbeat window; neither study is
requeued, doubled or failed, and every point is stored exactly once (issue 19)."""

import pytest

from planner.jobs.lifecycle import job_recover
from planner.studies import services
from planner.studies.models import StudyPoint, StudyRun
from tests.conftest import Worker, wait_for
from tests.studies.conftest import make_study

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

POINT_DELAY_S = 0.4  # each point is held this long (PLANNER_TEST_POINT_DELAY_S)
STALE_AFTER_S = 5  # the smallest stale window the settings accept
FIRST_POINTS = 40  # 40 × 0.4 s = 16 s of work, 8 s on two workers: longer than the stale window
SECOND_POINTS = 12


@pytest.fixture(scope="module")
def busy_workers(services_ready):
    env = {
        "PLANNER_TEST_POINT_DELAY_S": str(POINT_DELAY_S),
        "PLANNER_RUN_STALE_AFTER_S": str(STALE_AFTER_S),
        "PLANNER_JOB_RECOVER_EVERY_S": "1",
    }
    workers = [Worker(services_ready, extra_env=env) for _ in range(2)]
    for worker in workers:
        worker.start()
    yield workers
    for worker in workers:
        worker.stop()


def _sweep(points: int, base: int) -> dict:
    return {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": [base + 100 * i for i in range(points)]}}


def test_two_studies_at_once_store_every_point_once_and_both_succeed(busy_workers, scenario, owner, settings):
    settings.RUN_STALE_AFTER_S = STALE_AFTER_S  # this process reads the runs with the workers' window
    first = make_study(scenario, owner, _sweep(FIRST_POINTS, 1000), name="first")
    second = make_study(scenario, owner, _sweep(SECOND_POINTS, 50_000), name="second")
    run_a, _ = services.study_run_submit(study=first, submitted_by=owner)
    # The second study is submitted once the first has sent its chunks: its own go behind them.
    wait_for(
        lambda: StudyRun.objects.filter(pk=run_a.pk, handed_off_at__isnull=False).exists(),
        timeout_s=60,
        what="the first study to send its chunks",
    )
    run_b, _ = services.study_run_submit(study=second, submitted_by=owner)

    def both_finished():
        # A recovery pass as often as any worker's timer or `manage.py recover_jobs` might run one
        # (the workers' own recovery tasks wait in the same queue as the chunks).
        job_recover()
        runs = list(StudyRun.objects.filter(pk__in=[run_a.pk, run_b.pk]))
        return runs if all(r.is_finished for r in runs) else None

    runs = {r.pk: r for r in wait_for(both_finished, timeout_s=180, what="both studies to finish")}
    for run, total in ((runs[run_a.pk], FIRST_POINTS), (runs[run_b.pk], SECOND_POINTS)):
        assert run.status == "succeeded", run.error
        assert run.attempts == 1, f"study run {run.pk} was re-executed {run.attempts - 1} time(s)"
        indices = list(StudyPoint.objects.filter(run=run).values_list("index", flat=True))
        assert sorted(indices) == list(range(total)), "every point stored exactly once"
        assert run.summary["computed"] == total and run.summary["missing"] == []
    # The second study really waited: its last point came after the first study's first points
    # by more than the stale window, so the old rules would have requeued it.
    first_started = StudyPoint.objects.filter(run_id=run_a.pk).order_by("created_at").first().created_at
    second_done = StudyPoint.objects.filter(run_id=run_b.pk).order_by("-created_at").first().created_at
    assert (second_done - first_started).total_seconds() > STALE_AFTER_S
