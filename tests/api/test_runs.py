"""Runs over the API: 202 with the run's URL, idempotency keys, polling, the result with ETag."""

import pytest

from planner.engine.result import hourly_from_npz
from planner.scenarios.models import Run, RunHourly, RunStatus

pytestmark = pytest.mark.django_db


def runs_url(scenario) -> str:
    return f"/api/v1/scenarios/{scenario.pk}/runs/"


def test_it_accepts_a_run_with_202_and_its_location(api, scenario, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api("teammate").post(runs_url(scenario))
    assert response.status_code == 202
    run = Run.objects.get()
    assert response["Location"].endswith(f"/api/v1/runs/{run.pk}/")
    assert response.json()["status"] == RunStatus.QUEUED and response.json()["result_url"] is None
    assert len(callbacks) == 1, "the job is dispatched once, after commit"


def test_it_returns_the_same_run_for_a_retried_idempotency_key(api, scenario, django_capture_on_commit_callbacks):
    client = api("owner")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(runs_url(scenario), HTTP_IDEMPOTENCY_KEY="retry-7f3a")
        again = client.post(runs_url(scenario), HTTP_IDEMPOTENCY_KEY="retry-7f3a")
        other = client.post(runs_url(scenario), HTTP_IDEMPOTENCY_KEY="another-key")
    assert first.status_code == again.status_code == other.status_code == 202
    assert first["Location"] == again["Location"] != other["Location"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Run.objects.count() == 2
    assert len(callbacks) == 2, "a retried POST does not dispatch a second job"


def test_it_starts_a_new_run_for_each_post_without_a_key(api, scenario, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        api("owner").post(runs_url(scenario))
        api("owner").post(runs_url(scenario))
    assert Run.objects.count() == 2


def test_it_rejects_an_unprintable_idempotency_key(api, scenario):
    response = api("owner").post(runs_url(scenario), HTTP_IDEMPOTENCY_KEY="x" * 201)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert not Run.objects.exists()


def test_it_computes_the_run_in_process_without_a_broker(api, scenario, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api("owner").post(runs_url(scenario))
    status = api("owner").get(response["Location"]).json()
    assert status["status"] == RunStatus.SUCCEEDED, status["error"]
    assert status["progress_frac"] == 1.0 and status["finished"] is True
    assert status["result_url"].endswith(f"/api/v1/runs/{status['id']}/result/")


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_it_shows_a_run_and_its_result_to_members(api, finished_run, who):
    client = api(who)
    assert client.get(f"/api/v1/runs/{finished_run.pk}/").json()["status"] == "succeeded"
    body = client.get(f"/api/v1/runs/{finished_run.pk}/result/").json()
    assert body["result"] == finished_run.result
    assert body["result"]["annual_facility_energy_mwh"] > 0
    assert "hourly" not in body
    listed = client.get("/api/v1/runs/", {"scenario": finished_run.scenario_id, "status": "succeeded"}).json()
    assert [item["id"] for item in listed["results"]] == [finished_run.pk]


def test_it_hides_runs_from_an_outsider(api, finished_run):
    client = api("outsider")
    for path in ("", "result/", "reports/"):
        assert client.get(f"/api/v1/runs/{finished_run.pk}/{path}").status_code == 404, path
    assert client.get("/api/v1/runs/").json()["count"] == 0


def test_it_returns_the_hourly_series_on_request(api, finished_run):
    body = api("owner").get(f"/api/v1/runs/{finished_run.pk}/result/", {"hourly": 1}).json()
    stored = hourly_from_npz(RunHourly.objects.get(run=finished_run).npz)
    assert set(body["hourly"]) == set(stored)
    power = body["hourly"]["facility_power_mw"]
    assert len(power) == 8760
    # Σ hourly MW × 1 h is the annual MWh the KPIs report.
    assert sum(power) == pytest.approx(body["result"]["annual_facility_energy_mwh"], rel=1e-9)
    picked = api("owner").get(f"/api/v1/runs/{finished_run.pk}/result/", {"hourly": "true", "series": "pue"}).json()
    assert list(picked["hourly"]) == ["pue"]
    bad = api("owner").get(f"/api/v1/runs/{finished_run.pk}/result/", {"hourly": 1, "series": "nonsense"})
    assert bad.status_code == 400 and "series" in bad.json()["errors"]


def test_it_answers_304_to_a_matching_etag_or_date(api, finished_run):
    client = api("owner")
    url = f"/api/v1/runs/{finished_run.pk}/result/"
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, {"hourly": 1}, HTTP_IF_NONE_MATCH=etag).status_code == 200, "hourly is another body"
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_it_answers_409_for_a_result_that_is_not_ready(api, queued_run):
    response = api("owner").get(f"/api/v1/runs/{queued_run.pk}/result/")
    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


def test_it_rejects_a_bad_status_filter(api, finished_run):
    response = api("owner").get("/api/v1/runs/", {"status": "done"})
    assert response.status_code == 400 and "status" in response.json()["errors"]
