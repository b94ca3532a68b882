"""Submitting while the broker is unreachable: no 500, the job is failed with the reason, and a
retry with the same Idempotency-Key creates a new job instead of replaying the dead one."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.jobs.lifecycle import JobQueueUnavailable
from planner.jobs.models import JobStatus
from planner.reports.models import Report
from planner.scenarios import services
from planner.scenarios.models import Run

pytestmark = pytest.mark.django_db(transaction=True)


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_it_fails_the_run_with_the_reason_when_the_broker_is_down(broker_down, scenario, owner):
    with pytest.raises(JobQueueUnavailable) as raised:
        services.run_submit(scenario=scenario, submitted_by=owner, idempotency_key="k-1")
    run = Run.objects.get(pk=raised.value.job_id)
    assert run.status == JobStatus.FAILED and run.finished_at is not None
    assert "job queue is unavailable" in run.error and "broker unreachable" in run.error
    assert run.idempotency_key == "", "the dead run no longer answers to the key"


def test_it_answers_503_and_a_retry_with_the_same_key_creates_a_new_run(broker_down, scenario, owner, settings):
    client = _api(owner)
    url = f"/api/v1/scenarios/{scenario.pk}/runs/"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="retry-after-outage")
    assert first.status_code == 503
    body = first.json()
    assert set(body) == {"status", "code", "detail", "errors"}
    assert body["status"] == 503 and body["code"] == "queue_unavailable" and body["errors"] == {}
    dead = Run.objects.get()
    assert dead.status == JobStatus.FAILED and f"run {dead.pk} failed" in body["detail"]

    again = client.post(url, HTTP_IDEMPOTENCY_KEY="retry-after-outage")
    assert again.status_code == 503 and "Idempotent-Replayed" not in again
    assert Run.objects.count() == 2, "the retry created a new run rather than replaying the dead one"

    # The broker is back (embedded mode here): the same key now starts a run that computes.
    from planner.celery import app

    app.conf.task_always_eager = True
    back = client.post(url, HTTP_IDEMPOTENCY_KEY="retry-after-outage")
    assert back.status_code == 202 and "Idempotent-Replayed" not in back
    run = Run.objects.get(pk=back.json()["id"])
    assert run.status == JobStatus.SUCCEEDED, run.error
    replay = client.post(url, HTTP_IDEMPOTENCY_KEY="retry-after-outage")
    assert replay["Location"] == back["Location"] and replay["Idempotent-Replayed"] == "true"


def test_the_page_shows_the_failed_run_with_the_reason_and_a_rerun(broker_down, scenario, owner, client):
    client.force_login(owner)
    response = client.post(f"/scenarios/{scenario.pk}/run/", follow=True)
    assert response.status_code == 200
    run = Run.objects.get()
    assert run.status == JobStatus.FAILED
    page = response.content.decode()
    assert "The run failed." in page and "job queue is unavailable" in page
    assert 'id="rerun-button"' in page


def test_a_report_request_with_the_broker_down_answers_503_and_a_retry_queues_it_again(
    broker_down, scenario, owner, client
):
    from planner.celery import app

    app.conf.task_always_eager = True
    run = services.run_submit(scenario=scenario, submitted_by=owner)
    run.refresh_from_db()
    assert run.is_completed, run.error
    app.conf.task_always_eager = False

    api = _api(owner)
    response = api.post(f"/api/v1/runs/{run.pk}/reports/", {"kind": "csv"}, format="json")
    assert response.status_code == 503 and response.json()["code"] == "queue_unavailable"
    report = Report.objects.get()
    assert report.status == JobStatus.FAILED and "job queue is unavailable" in report.error

    client.force_login(owner)
    page = client.get(f"/reports/runs/{run.pk}/csv/")
    assert page.status_code == 503 and "job queue is unavailable" in page.content.decode()

    app.conf.task_always_eager = True
    retried = api.post(f"/api/v1/runs/{run.pk}/reports/", {"kind": "csv"}, format="json")
    assert retried.status_code == 202
    report.refresh_from_db()
    assert report.is_ready and report.error == "" and report.attempts == 1
