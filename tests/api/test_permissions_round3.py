"""Permission and API gaps (issue 20, item 12).

Viewers requested report builds (202) though every other write is 403 for them; the study-run API
had no `finished`; `?organisation=` was ignored on the runs, studies and comparisons lists; the
portfolio API deleted running runs while studies refused; the portfolio job read a system-load
upload by id without checking its organisation.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from planner.jobs.lifecycle import job_execute
from planner.jobs.models import JobStatus
from planner.portfolios import services as portfolio_services
from planner.portfolios.models import Portfolio, PortfolioRun
from planner.reports.models import Report
from planner.scenarios import services as scenario_services
from planner.scenarios.models import Membership, Run
from planner.sites.models import ComparisonRun, SiteComparison
from planner.studies import services as study_services
from planner.studies.models import Study, StudyRun
from tests.api.conftest import client_for
from tests.planner.test_pages_uploads import hourly_csv

pytestmark = pytest.mark.django_db


def test_a_viewer_cannot_request_a_report_build_but_reads_a_built_one(
    client, viewer, owner, finished_run, django_capture_on_commit_callbacks
):
    url = f"/api/v1/runs/{finished_run.pk}/reports/"
    refused = client_for(viewer).post(url, {"kind": "csv"}, format="json")
    assert refused.status_code == 403 and "viewers cannot request builds" in refused.json()["detail"]
    client.force_login(viewer)
    page = client.get(reverse("report-file", args=[finished_run.pk, "csv"]))
    assert page.status_code == 403 and not Report.objects.exists()  # nothing queued by either face
    # Errors in the request itself are the same for every role.
    assert client_for(viewer).post(url, {"kind": "docx"}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        built = client_for(owner).post(url, {"kind": "csv"}, format="json")
    assert built.status_code == 202
    again = client_for(viewer).post(url, {"kind": "csv"}, format="json")
    assert again.status_code == 202 and again.json()["status"] == "ready" and Report.objects.count() == 1
    assert client.get(reverse("report-file", args=[finished_run.pk, "csv"])).status_code == 200


def test_the_study_run_api_says_whether_a_run_finished(owner, scenario):
    study = study_services.study_create(
        owner=owner,
        organisation=scenario.organisation,
        scenario=scenario,
        name="s",
        definition={"kind": "sweep", "vary": {"site.cooling": ["immersion"]}},
    )
    run = StudyRun.objects.create(study=study, submitted_by=owner, definition=study.definition, inputs={})
    api = client_for(owner)
    assert api.get(f"/api/v1/studies/runs/{run.pk}/").json()["finished"] is False
    StudyRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED)
    assert api.get(f"/api/v1/studies/runs/{run.pk}/").json()["finished"] is True


def test_lists_keep_to_the_organisation_asked_for(owner, scenario, other_organisation, small_inputs):
    Membership.objects.create(user=owner, organisation=other_organisation, role="planner")
    other = scenario_services.scenario_create(owner=owner, organisation=other_organisation, inputs=small_inputs)
    for made in (scenario, other):
        Run.objects.create(scenario=made, scenario_version=1, inputs=made.inputs, input_hash="h", submitted_by=owner)
        Study.objects.create(
            organisation=made.organisation, scenario=made, owner=owner, name="s", kind="sweep", definition={}
        )
        SiteComparison.objects.create(organisation=made.organisation, name="c", inputs={}, created_by=owner)
    api = client_for(owner)
    for url, key in (("/api/v1/runs/", "scenario"), ("/api/v1/studies/", "organisation")):
        for organisation, expected in ((scenario.organisation_id, scenario), (other_organisation.pk, other)):
            rows = api.get(url, {"organisation": organisation}).json()["results"]
            assert len(rows) == 1, (url, rows)
            assert rows[0][key] == (expected.pk if key == "scenario" else organisation)
        assert len(api.get(url).json()["results"]) == 2
    rows = api.get("/api/v1/comparisons/", {"organisation": other_organisation.pk}).json()["results"]
    assert [row["organisation"] for row in rows] == [other_organisation.pk]
    for bad in ("²", "abc", "9" * 30, "0"):
        response = api.get("/api/v1/studies/", {"organisation": bad})
        assert response.status_code == 400 and "organisation" in response.json()["errors"], bad


def _portfolio(owner, organisation, scenario, **extra) -> Portfolio:
    definition = {
        "name": "queue",
        "start_year": 2026,
        "end_year": 2027,
        "members": [{"scenario": scenario.pk, "in_service_year": 2026, "ramp": [1.0]}],
        **extra,
    }
    return portfolio_services.portfolio_create(owner=owner, organisation=organisation, data=definition)


@pytest.mark.parametrize("state", [JobStatus.QUEUED, JobStatus.RUNNING])
def test_portfolios_studies_and_comparisons_are_not_deleted_under_a_running_run(owner, organisation, scenario, state):
    portfolio = _portfolio(owner, organisation, scenario)
    run = PortfolioRun.objects.create(portfolio=portfolio, submitted_by=owner, inputs={}, status=state)
    study = study_services.study_create(
        owner=owner,
        organisation=organisation,
        scenario=scenario,
        name="s",
        definition={"kind": "sweep", "vary": {"site.cooling": ["immersion"]}},
    )
    study_run = StudyRun.objects.create(
        study=study, submitted_by=owner, definition=study.definition, inputs={}, status=state
    )
    comparison = SiteComparison.objects.create(organisation=organisation, name="c", inputs={}, created_by=owner)
    comparison_run = ComparisonRun.objects.create(comparison=comparison, submitted_by=owner, inputs={}, status=state)
    api = client_for(owner)
    urls = (
        f"/api/v1/portfolios/{portfolio.pk}/",
        f"/api/v1/studies/{study.pk}/",
        f"/api/v1/comparisons/{comparison.pk}/",
    )
    for url in urls:
        refused = api.delete(url)
        assert refused.status_code == 409 and "has a run in progress" in refused.json()["detail"], url
    assert PortfolioRun.objects.filter(pk=run.pk).exists() and StudyRun.objects.filter(pk=study_run.pk).exists()
    assert ComparisonRun.objects.filter(pk=comparison_run.pk).exists()
    # The page says the same, with 409 (before, the comparison page and API deleted running runs).
    client = Client()
    client.force_login(owner)
    page = client.post(reverse("site-comparison-delete", args=[comparison.pk]))
    assert page.status_code == 409 and "has a run in progress" in page.content.decode()
    PortfolioRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED)
    StudyRun.objects.filter(pk=study_run.pk).update(status=JobStatus.FAILED)
    ComparisonRun.objects.filter(pk=comparison_run.pk).update(status=JobStatus.FAILED)
    for url in urls:
        assert api.delete(url).status_code == 204, url
    assert not PortfolioRun.objects.exists() and not Portfolio.objects.exists()
    assert not ComparisonRun.objects.exists() and not SiteComparison.objects.exists()


def test_the_portfolio_job_reads_only_its_own_organisations_upload(
    owner, organisation, outsider, other_organisation, scenario
):
    load = hourly_csv(12_000 + 3_000 * np.sin(np.arange(8760) / 24 * 2 * np.pi))
    theirs = scenario_services.upload_create(
        organisation=other_organisation, uploaded_by=outsider, kind="system_load", name="theirs", content=load.encode()
    )
    portfolio = _portfolio(owner, organisation, scenario)
    inputs = copy.deepcopy(portfolio_services.portfolio_run_inputs(portfolio))
    # A snapshot naming another organisation's upload (the definition's check is at save; the job
    # must not trust a stored id either).
    inputs |= {"system_load_upload": theirs.pk, "system_load_region": inputs["members"][0]["region"]}
    run = PortfolioRun.objects.create(portfolio=portfolio, submitted_by=owner, inputs=inputs)
    job_execute(kind="portfolio_run", job_id=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert f"system_load_upload: no system_load upload #{theirs.pk} in this organisation" in run.error
