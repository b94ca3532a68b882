"""/api/v1/portfolios/: CRUD, runs (202 + Location, Idempotency-Key), results with ETag; the trio."""

import pytest

from planner.jobs.lifecycle import job_execute
from planner.jobs.models import JobStatus as PortfolioRunStatus
from planner.portfolios.models import Portfolio, PortfolioRun
from planner.portfolios.selectors import COMPLETED
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(request):
    return lambda who: client_for(request.getfixturevalue(who))


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_read_portfolios(api, portfolio, who):
    client = api(who)
    listed = client.get("/api/v1/portfolios/").json()
    assert [p["id"] for p in listed["results"]] == [portfolio.pk]
    body = client.get(f"/api/v1/portfolios/{portfolio.pk}/").json()
    assert body["name"] == "Loudoun queue" and len(body["members"]) == 2
    assert body["members"][1]["ramp"] == [0.5, 1.0]


def test_an_outsider_sees_nothing(api, portfolio):
    client = api("outsider")
    assert client.get("/api/v1/portfolios/").json()["results"] == []
    for method, path in [
        ("get", f"/api/v1/portfolios/{portfolio.pk}/"),
        ("put", f"/api/v1/portfolios/{portfolio.pk}/"),
        ("delete", f"/api/v1/portfolios/{portfolio.pk}/"),
        ("get", f"/api/v1/portfolios/{portfolio.pk}/runs/"),
        ("post", f"/api/v1/portfolios/{portfolio.pk}/runs/"),
    ]:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path)
        assert set(response.json()) == {"status", "code", "detail", "errors"}


def test_a_viewer_cannot_write(api, portfolio, definition):
    client = api("viewer")
    assert client.post("/api/v1/portfolios/", definition, format="json").status_code == 403
    assert client.put(f"/api/v1/portfolios/{portfolio.pk}/", definition, format="json").status_code == 403
    assert client.delete(f"/api/v1/portfolios/{portfolio.pk}/").status_code == 403
    assert client.post(f"/api/v1/portfolios/{portfolio.pk}/runs/").status_code == 403
    assert not PortfolioRun.objects.exists()


def test_a_teammate_creates_edits_and_deletes(api, definition, organisation):
    client = api("teammate")
    created = client.post("/api/v1/portfolios/", definition, format="json")
    assert created.status_code == 201, created.json()
    url = created["Location"]
    changed = client.put(url, {**definition, "end_year": 2035}, format="json")
    assert changed.status_code == 200 and changed.json()["end_year"] == 2035
    assert client.delete(url).status_code == 204
    assert not Portfolio.objects.exists()


def test_bad_input_answers_400_with_field_paths(api, definition):
    bad = {**definition, "members": [dict(definition["members"][0], ramp=[2.0], in_service_year=2040)]}
    response = api("owner").post("/api/v1/portfolios/", bad, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"members[0].ramp[0]", "members[0].in_service_year"}


def test_another_organisations_scenario_is_refused(api, definition, outsider, other_organisation, small_inputs):
    from planner.scenarios import services

    theirs = services.scenario_create(owner=outsider, organisation=other_organisation, inputs=small_inputs)
    bad = {**definition, "members": [{"scenario": theirs.pk, "in_service_year": 2026}]}
    response = api("owner").post("/api/v1/portfolios/", bad, format="json")
    assert response.status_code == 400 and "members[0].scenario" in response.json()["errors"]


def test_runs_are_idempotent_and_results_carry_an_etag(api, portfolio, django_capture_on_commit_callbacks):
    client = api("owner")
    runs_url = f"/api/v1/portfolios/{portfolio.pk}/runs/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(runs_url, HTTP_IDEMPOTENCY_KEY="queue-2026")
        again = client.post(runs_url, HTTP_IDEMPOTENCY_KEY="queue-2026")
    assert first.status_code == again.status_code == 202
    assert first["Location"] == again["Location"] and again["Idempotent-Replayed"] == "true"
    assert len(callbacks) == 1 and PortfolioRun.objects.count() == 1
    run = PortfolioRun.objects.get()
    pending = client.get(f"/api/v1/portfolios/runs/{run.pk}/result/")
    assert pending.status_code == 409 and pending.json()["code"] == "conflict"
    job_execute(kind="portfolio_run", job_id=run.pk)
    status = client.get(first["Location"]).json()
    assert status["status"] in COMPLETED, status["error"]
    result = client.get(status["result_url"])
    assert bool(result.json()["constraints"]) == (status["status"] == PortfolioRunStatus.CONSTRAINTS_NOT_MET)
    assert result.status_code == 200 and result.json()["result"]["years"] == [2026, 2027, 2028, 2029, 2030]
    again = client.get(status["result_url"], HTTP_IF_NONE_MATCH=result["ETag"])
    assert again.status_code == 304
    assert api("viewer").get(status["result_url"]).status_code == 200
    assert api("outsider").get(status["result_url"]).status_code == 404


def test_a_scenario_in_a_portfolio_cannot_be_deleted(api, portfolio, scenarios):
    response = api("owner").delete(f"/api/v1/scenarios/{scenarios[0].pk}/")
    assert response.status_code == 409 and "member of a portfolio" in response.json()["detail"]
    assert portfolio.members.count() == 2
