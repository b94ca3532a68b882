"""job_recover: queued jobs whose message was lost and running jobs whose worker was lost, for
every kind, bounded per pass. (The periodic schedule through a real worker: test_worker_recovery.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from planner.jobs.describe import job_is_stuck, job_waiting_for
from planner.jobs.embedded import embedded_wait
from planner.jobs.lifecycle import job_recover
from planner.jobs.models import JobStatus
from planner.reports.models import Report
from planner.scenarios.models import Run

pytestmark = pytest.mark.django_db(transaction=True)


def _run(scenario, owner, **fields) -> Run:
    return Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner, **fields
    )


def test_it_redispatches_a_queued_run_whose_message_was_lost(embedded, scenario, owner, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_REDISPATCH_AFTER_S + 5)
    lost = _run(scenario, owner, dispatched_at=long_ago)
    waiting = _run(scenario, owner, dispatched_at=timezone.now())
    assert job_is_stuck(lost) and not job_is_stuck(waiting)
    assert "waiting for a local worker thread since" in job_waiting_for(lost)

    assert job_recover() == [("run", lost.pk)]
    assert embedded_wait(60), "the recovery hands the job to a local worker thread without waiting"
    lost.refresh_from_db()
    assert lost.status == JobStatus.SUCCEEDED, lost.error
    assert lost.attempts == 1
    assert Run.objects.get(pk=waiting.pk).status == JobStatus.QUEUED, "a freshly sent message is left alone"


def test_it_requeues_a_running_run_with_a_stale_heartbeat_and_fails_it_after_max_attempts(
    embedded, scenario, owner, settings
):
    settings.RUN_MAX_ATTEMPTS = 2
    stale = timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER_S + 5)
    lost_once = _run(scenario, owner, status=JobStatus.RUNNING, attempts=1, started_at=stale, heartbeat_at=stale)
    lost_twice = _run(scenario, owner, status=JobStatus.RUNNING, attempts=2, started_at=stale, heartbeat_at=stale)
    beating = _run(scenario, owner, status=JobStatus.RUNNING, attempts=1, started_at=stale, heartbeat_at=timezone.now())
    assert "heartbeat" in job_waiting_for(beating) and "s ago" in job_waiting_for(beating)

    assert sorted(job_recover()) == sorted([("run", lost_once.pk), ("run", lost_twice.pk)])
    assert embedded_wait(60)
    lost_once.refresh_from_db()
    lost_twice.refresh_from_db()
    assert lost_once.status == JobStatus.SUCCEEDED and lost_once.attempts == 2, lost_once.error
    assert lost_twice.status == JobStatus.FAILED and "lost 2 times" in lost_twice.error
    assert Run.objects.get(pk=beating.pk).status == JobStatus.RUNNING, "a live worker keeps its job"


def test_it_fails_a_job_that_ran_past_its_hard_time_limit(embedded, scenario, owner, settings):
    started = timezone.now() - timedelta(seconds=settings.RUN_HARD_TIME_LIMIT_S + 60)
    beat = timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER_S + 5)
    killed = _run(scenario, owner, status=JobStatus.RUNNING, attempts=1, started_at=started, heartbeat_at=beat)
    assert job_recover() == [("run", killed.pk)]
    killed.refresh_from_db()
    assert killed.status == JobStatus.FAILED
    assert f"hard time limit of {settings.RUN_HARD_TIME_LIMIT_S} s" in killed.error


def test_it_leaves_queued_jobs_queued_while_the_broker_is_down(scenario, owner, settings, broker_down):
    # The broker is down: a pass stops at the first re-dispatch that fails, leaving the rest queued.
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_REDISPATCH_AFTER_S + 5)
    runs = [_run(scenario, owner, dispatched_at=long_ago) for _ in range(3)]
    assert job_recover(limit=2) == []
    assert all(Run.objects.get(pk=run.pk).status == JobStatus.QUEUED for run in runs), "never failed for an outage"


def test_it_limits_the_jobs_it_acts_on(embedded, scenario, owner, settings):
    settings.RUN_MAX_ATTEMPTS = 1
    stale = timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER_S + 5)
    runs = [
        _run(scenario, owner, status=JobStatus.RUNNING, attempts=1, started_at=stale, heartbeat_at=stale)
        for _ in range(3)
    ]
    assert len(job_recover(limit=2)) == 2
    assert Run.objects.filter(pk__in=[r.pk for r in runs], status=JobStatus.FAILED).count() == 2
    assert len(job_recover(limit=2)) == 1


def test_reports_share_the_recovery(embedded, scenario, owner, settings):
    done = _run(scenario, owner, status=JobStatus.SUCCEEDED, finished_at=timezone.now(), result={"x": 1.0})
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_REDISPATCH_AFTER_S + 5)
    report = Report.objects.create(run=done, kind="json", dispatched_at=long_ago)
    assert job_recover() == [("report", report.pk)]
    assert embedded_wait(60)
    report.refresh_from_db()
    assert report.is_ready, report.error


def test_the_page_and_api_say_what_a_stuck_run_waits_for_and_offer_a_rerun(scenario, owner, client, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_REDISPATCH_AFTER_S + 5)
    stuck = _run(scenario, owner, dispatched_at=long_ago)
    client.force_login(owner)
    page = client.get(f"/runs/{stuck.pk}/").content.decode()
    assert f"since {long_ago:%H:%M:%S} UTC" in page and 'id="rerun-button"' in page and 'id="stuck-note"' in page
    status = client.get(f"/runs/{stuck.pk}/status.json").json()
    assert status["stuck"] is True and status["waiting_for"].startswith("waiting for a")
    assert Run.objects.get(pk=stuck.pk).status == JobStatus.QUEUED, "reading the status recovers nothing"

    fresh = _run(scenario, owner, dispatched_at=timezone.now())
    page = client.get(f"/runs/{fresh.pk}/").content.decode()
    assert 'id="rerun-button"' not in page and "waiting for a" in page.lower()
