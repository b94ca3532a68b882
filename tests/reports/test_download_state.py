"""The run page's download button asks the report's state as JSON (Accept: application/json) and
gets the file only once it is ready; the owner's teammates may, outsiders get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planner.reports.models import Report
from planner.scenarios import services
from planner.scenarios.models import Run, RunStatus

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def run(owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_it_answers_the_state_as_json_then_the_file(client, teammate, run, django_capture_on_commit_callbacks):
    client.force_login(teammate)
    url = reverse("report-file", args=[run.pk, "csv"])
    with django_capture_on_commit_callbacks(execute=True):  # the queued build runs in-process here
        first = client.get(url, **JSON).json()
    assert first["kind"] == "csv" and first["status"] in {"queued", "running", "ready"}
    state = client.get(url, **JSON).json()
    assert state["kind"] == "csv" and state["ready"] is True and state["failed"] is False
    assert state["size_bytes"] == Report.objects.get(run=run, kind="csv").size_bytes > 0
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Disposition"].endswith('.csv"')


def test_it_says_why_a_run_without_a_result_has_no_report(client, owner, run):
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
    client.force_login(owner)
    response = client.get(reverse("report-file", args=[run.pk, "pdf"]), **JSON)
    assert response.status_code == 409 and "reports need a succeeded run" in response.json()["error"]


def test_an_outsider_gets_404(client, outsider, run):
    client.force_login(outsider)
    assert client.get(reverse("report-file", args=[run.pk, "pdf"]), **JSON).status_code == 404
