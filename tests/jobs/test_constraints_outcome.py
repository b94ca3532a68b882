"""A run that breaks its site power cap finishes as "completed — constraints not met", and says so
first on its page, in the API, in the run list and at the top of every report."""

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.jobs.models import JobStatus
from planner.reports.builders import build_file
from planner.reports.content import report_content
from planner.scenarios import services

pytestmark = pytest.mark.django_db

HEADLINE = "Completed — constraints not met"


@pytest.fixture
def capped_run(embedded, owner, organisation, small_inputs, django_capture_on_commit_callbacks):
    inputs = {**small_inputs, "name": "Ashburn on a 1 MW cap", "site": {**small_inputs["site"], "power_cap_mw": 1}}
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_submit(scenario=scenario, submitted_by=owner)
    run.refresh_from_db()
    return run


def test_it_finishes_as_constraints_not_met_and_says_so_on_the_page_and_in_the_api(capped_run, client, owner):
    assert capped_run.status == JobStatus.CONSTRAINTS_NOT_MET, capped_run.error
    assert capped_run.is_finished and capped_run.is_completed
    (violation,) = capped_run.constraints
    assert violation["kind"] == "power_cap" and violation["limit"] == 1.0
    assert violation["value"] > 1.0

    # The run page: the violation first, and beside the KPI it changes; the lists say it too.
    client.force_login(owner)
    page = client.get(f"/runs/{capped_run.pk}/").content.decode()
    assert HEADLINE in page
    top = page.index('id="constraints"')
    assert top < page.index('id="kpi-title"'), "the violation comes before the figures"
    assert "Site power cap" in page[top:] and "exceeds the site&#x27;s power cap of 1 MW" in page
    peak_card = page[page.index('id="kpi-peak_mw"') :]
    assert "exceeds the site&#x27;s 1 MW power cap" in peak_card[: peak_card.index("</div>")]
    assert "status-succeeded" not in page
    # An engine warning that changes a KPI's meaning sits beside that KPI (the example uses generated weather).
    pue_card = page[page.index('id="kpi-pue"') :]
    assert "typical weather, not a record heat wave" in pue_card[: pue_card.index("</div>")]
    listed = client.get("/runs/").content.decode()
    assert HEADLINE in listed
    status = client.get(f"/runs/{capped_run.pk}/status.json").json()
    assert status["status"] == "constraints_not_met" and status["constraints"][0]["kind"] == "power_cap"

    # The API: status, its label and the constraints on the run and on its result.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    body = api.get(f"/api/v1/runs/{capped_run.pk}/").json()
    assert body["status"] == "constraints_not_met" and body["status_label"] == HEADLINE
    assert [c["kind"] for c in body["constraints"]] == ["power_cap"]
    assert body["result_url"], "the figures stay readable"
    result = api.get(body["result_url"]).json()
    assert result["constraints"] == body["constraints"]
    listed = api.get("/api/v1/runs/", {"status": "constraints_not_met"}).json()
    assert [item["id"] for item in listed["results"]] == [capped_run.pk]


def test_every_report_opens_with_the_violation(capped_run):
    content = report_content(run=capped_run, sensitivity=False)
    pdf = build_file(kind="pdf", content=content).data
    first_page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert HEADLINE in first_page and "Site power cap" in first_page

    workbook = load_workbook(io.BytesIO(build_file(kind="xlsx", content=content).data), read_only=True)
    assert workbook.sheetnames[0] == "Constraints not met"
    rows = list(workbook["Constraints not met"].iter_rows(values_only=True))
    assert HEADLINE in rows[0][0] and rows[2][0] == "Site power cap" and rows[2][2] == 1.0

    csv_text = build_file(kind="csv", content=content).data.decode()
    assert csv_text.splitlines()[0].startswith(f"# {HEADLINE}: Site power cap")
    document = json.loads(build_file(kind="json", content=content).data)
    assert document["constraints"][0]["kind"] == "power_cap"


def test_the_cli_prints_the_violation_before_the_figures(tmp_path, small_inputs):
    from django.core.management import call_command

    path = tmp_path / "capped.json"
    path.write_text(json.dumps({**small_inputs, "site": {**small_inputs["site"], "power_cap_mw": 1}}))
    out = io.StringIO()
    call_command("plan", str(path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].strip() == "COMPLETED — CONSTRAINTS NOT MET:"
    assert lines[2].strip().startswith("Site power cap: peak facility power")
