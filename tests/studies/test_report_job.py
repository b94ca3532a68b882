"""A study run's PDF is built by the one report job in a real Celery worker (PostgreSQL, Redis):
the page's link answers with the report's state until the worker has built it, then the file
(opened with pypdf); the API requests, lists and downloads it like a run's reports; outsiders 404."""

import io
import os

import pytest
from django.urls import reverse
from pypdf import PdfReader

from planner.reports.models import Report
from planner.studies import services
from planner.studies.models import StudyRun
from tests.api.conftest import client_for
from tests.conftest import wait_for
from tests.studies.conftest import make_study

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
JSON = {"HTTP_ACCEPT": "application/json"}


def _finished(run_id: int):
    run = StudyRun.objects.get(pk=run_id)
    return run if run.is_finished else None


def test_a_worker_builds_the_study_pdf(celery_worker, client, scenario, owner, viewer, outsider):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"site.cooling": ["evaporative", "immersion"]}})
    run, _ = services.study_run_submit(study=study, submitted_by=owner)
    run = wait_for(lambda: _finished(run.pk), timeout_s=90, what="the study run to finish")
    assert run.status == "succeeded", run.error

    client.force_login(viewer)
    url = reverse("study-run-report", args=[run.pk])
    refused = client.get(url, **JSON)  # a viewer cannot queue a build (issue 20, item 12)
    assert refused.status_code == 403 and "viewers cannot request builds" in refused.json()["error"]
    client.force_login(owner)
    first = client.get(url, **JSON)
    assert first.status_code == 200 and first.json()["status"] in {"queued", "running"}, first.json()
    state = wait_for(
        lambda: (s := client.get(url, **JSON).json())["ready"] or s["failed"], timeout_s=90, what="the PDF"
    )
    assert state is True, client.get(url, **JSON).json()
    report = Report.objects.get(study_run=run, kind="pdf")
    assert report.worker and f":{os.getpid()}:" not in report.worker  # built by the worker, not in the request
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="study-{study.pk}-run-{run.pk}.pdf"'
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    assert study.name in text and "1. Definition" in text and "site.cooling evaporative, immersion" in text

    # The API: the run links its reports; POST answers with the same cached report; download; the old
    # GET …/report.pdf answers with the file now that it is built.
    api = client_for(viewer)
    detail = api.get(f"/api/v1/studies/runs/{run.pk}/").json()
    assert detail["reports_url"].endswith(f"/api/v1/studies/runs/{run.pk}/reports/")
    posted = api.post(f"/api/v1/studies/runs/{run.pk}/reports/", {"kind": "pdf"}, format="json")
    assert posted.status_code == 202 and posted.json()["id"] == report.pk and posted.json()["status"] == "ready"
    assert posted.json()["study_run"] == run.pk and posted.json()["run"] is None
    listed = api.get(f"/api/v1/studies/runs/{run.pk}/reports/").json()["results"]
    assert [r["id"] for r in listed] == [report.pk]
    assert api.get(f"/api/v1/reports/{report.pk}/download/").content == response.content
    assert api.get(f"/api/v1/studies/runs/{run.pk}/report.pdf").content == response.content
    assert api.post(f"/api/v1/studies/runs/{run.pk}/reports/", {"kind": "xlsx"}, format="json").status_code == 400

    # Outsiders see none of it.
    client.force_login(outsider)
    assert client.get(url).status_code == 404 and client.get(url, **JSON).status_code == 404
    stranger = client_for(outsider)
    for path in (
        f"/api/v1/studies/runs/{run.pk}/reports/",
        f"/api/v1/studies/runs/{run.pk}/report.pdf",
        f"/api/v1/reports/{report.pk}/",
        f"/api/v1/reports/{report.pk}/download/",
    ):
        assert stranger.get(path).status_code == 404, path
    assert stranger.post(f"/api/v1/studies/runs/{run.pk}/reports/", {"kind": "pdf"}, format="json").status_code == 404


def test_the_api_answers_202_with_the_state_until_the_pdf_is_built(celery_worker, scenario, owner):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"hardware[0].tensor_parallel": [1, 4]}})
    run, _ = services.study_run_submit(study=study, submitted_by=owner)
    run = wait_for(lambda: _finished(run.pk), timeout_s=90, what="the study run to finish")
    api = client_for(owner)
    first = api.get(f"/api/v1/studies/runs/{run.pk}/report.pdf")
    assert first.status_code == 202 and first["Location"] == first.json()["url"], first.content
    wait_for(lambda: api.get(first["Location"]).json()["status"] == "ready", timeout_s=90, what="the PDF")
    again = api.get(f"/api/v1/studies/runs/{run.pk}/report.pdf")
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
