"""Run lists (runs page, a scenario's run table, the API's run lists) say which constraint a run
missed, read in the database from the result (no run's whole result JSON is loaded)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.jobs.models import JobStatus
from planner.scenarios import selectors, services
from planner.scenarios.models import Run

pytestmark = pytest.mark.django_db

CAP = {
    "kind": "power_cap",
    "label": "Site power cap",
    "message": "peak facility power 2.1 MW exceeds the site's power cap of 1 MW",
    "limit": 1.0,
    "value": 2.1,
    "unit": "MW",
}
BIG = [0.5] * 5000  # stands for the bulk of a result that lists must not load


def _run(scenario, owner, *, constraints: list[dict]) -> Run:
    status = JobStatus.CONSTRAINTS_NOT_MET if constraints else JobStatus.SUCCEEDED
    return Run.objects.create(
        scenario=scenario,
        scenario_version=1,
        inputs=scenario.inputs,
        input_hash="h",
        submitted_by=owner,
        status=status,
        result={"constraints": constraints, "peak_facility_power_mw": 2.1, "bulk": BIG},
    )


@pytest.fixture
def runs(owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    return scenario, _run(scenario, owner, constraints=[CAP]), _run(scenario, owner, constraints=[])


def test_the_list_selector_reads_the_constraints_without_loading_results(runs):
    scenario, capped, fine = runs
    listed = {r.pk: r for r in selectors.runs_for_list(Run.objects.filter(scenario=scenario))}
    assert "result" in listed[capped.pk].get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert listed[capped.pk].constraints == [CAP]
        assert listed[fine.pk].constraints == []
        assert listed[capped.pk].list_peak_mw == 2.1
    assert len(queries) == 0, "the constraints come with the list query, not one query per run"


def test_the_pages_show_the_missed_constraint_beside_the_status(client, teammate, runs):
    scenario, capped, _ = runs
    client.force_login(teammate)
    for url in ("/runs/", f"/scenarios/{scenario.pk}/"):
        page = client.get(url).content.decode()
        assert page.count('data-constraint="power_cap"') == 1, url
        row = page[page.index(f"#{capped.pk}</a>") :]
        assert "Site power cap" in row[: row.index("</tr>")], url


def test_the_api_run_lists_carry_the_constraints_in_a_fixed_number_of_queries(owner, runs, small_inputs):
    scenario, capped, fine = runs
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    for url in ("/api/v1/runs/", f"/api/v1/scenarios/{scenario.pk}/runs/"):
        body = api.get(url).json()
        by_id = {r["id"]: r for r in body["results"]}
        assert by_id[capped.pk]["constraints"] == [CAP] and by_id[capped.pk]["status"] == "constraints_not_met"
        assert by_id[fine.pk]["constraints"] == []
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/runs/")
    for _ in range(5):
        _run(scenario, owner, constraints=[CAP])
    with CaptureQueriesContext(connection) as many:
        body = api.get("/api/v1/runs/").json()
    assert sum(1 for r in body["results"] if r["constraints"] == [CAP]) == 6
    assert len(many) == len(few), "no query per run"
