"""Through the API to a real Celery worker: a run and its PDF report are computed by the worker
process (Redis broker, PostgreSQL), and the client polls and downloads them."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.reports.units import fmt
from planner.scenarios.models import Run
from tests.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_it_runs_and_reports_through_the_api_in_the_worker(celery_worker, owner, organisation, small_inputs):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    scenario = client.post("/api/v1/scenarios/", {"inputs": small_inputs}, format="json").json()
    accepted = client.post(scenario["runs_url"], HTTP_IDEMPOTENCY_KEY="worker-test-1")
    # 202 with the run as it is now: the worker may already have claimed it when the answer is read.
    assert accepted.status_code == 202 and accepted.json()["status"] in {"queued", "running", "succeeded"}
    retried = client.post(scenario["runs_url"], HTTP_IDEMPOTENCY_KEY="worker-test-1")
    assert retried["Location"] == accepted["Location"]

    def finished():
        body = client.get(accepted["Location"]).json()
        return body if body["finished"] else None

    run = wait_for(finished, timeout_s=120, what="the worker to finish the run")
    assert run["status"] == "succeeded", run["error"]
    assert run["attempts"] == 1 and Run.objects.count() == 1

    requested = client.post(run["reports_url"], {"kind": "pdf"}, format="json")
    assert requested.status_code == 202

    def ready():
        body = client.get(requested["Location"]).json()
        return body if body["status"] in {"ready", "failed"} else None

    report = wait_for(ready, timeout_s=120, what="the worker to build the PDF")
    assert report["status"] == "ready", report["error"]
    pdf = client.get(report["download_url"])
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    result = client.get(run["result_url"]).json()["result"]
    assert fmt(result["annual_facility_energy_mwh"]) in text
