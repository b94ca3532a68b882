"""Reports over the API: request → job → poll → download; cached per run; scoped like runs."""

import pytest
from pypdf import PdfReader

from planner.reports.models import Report

pytestmark = pytest.mark.django_db


def request_report(client, run, kind, callbacks_fixture):
    with callbacks_fixture(execute=True):
        return client.post(f"/api/v1/runs/{run.pk}/reports/", {"kind": kind}, format="json")


def test_it_builds_and_serves_a_csv_report(api, finished_run, django_capture_on_commit_callbacks):
    # A planner requests the build (a write); a viewer reads the built report (issue 20, item 12).
    response = request_report(api("owner"), finished_run, "csv", django_capture_on_commit_callbacks)
    client = api("viewer")
    assert response.status_code == 202
    status = client.get(response["Location"]).json()
    assert status["status"] == "ready", status["error"]
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert download["Content-Disposition"].startswith("attachment; filename=")
    lines = download.content.decode().splitlines()
    assert len(lines) == 1 + 8760
    assert client.get(status["download_url"], HTTP_IF_NONE_MATCH=download["ETag"]).status_code == 304


def test_it_caches_one_report_per_run_and_kind(api, finished_run, django_capture_on_commit_callbacks):
    client = api("owner")
    first = request_report(client, finished_run, "json", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = client.post(f"/api/v1/runs/{finished_run.pk}/reports/", {"kind": "json"}, format="json")
    assert first.json()["id"] == again.json()["id"] and again.json()["status"] == "ready"
    assert callbacks == [], "a ready report is not built again"
    listed = client.get(f"/api/v1/runs/{finished_run.pk}/reports/").json()
    assert [(r["kind"], r["status"]) for r in listed["results"]] == [("json", "ready")]


def test_it_serves_a_pdf_whose_text_holds_the_peak_power(api, finished_run, django_capture_on_commit_callbacks):
    client = api("owner")
    location = request_report(client, finished_run, "pdf", django_capture_on_commit_callbacks)["Location"]
    status = client.get(location).json()
    download = client.get(status["download_url"])
    assert download["Content-Type"] == "application/pdf"
    from io import BytesIO

    from planner.reports.units import fmt

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(download.content)).pages)
    assert fmt(finished_run.result["peak_facility_power_mw"]) in text


def test_it_hides_reports_from_an_outsider(api, finished_run, django_capture_on_commit_callbacks):
    status = request_report(api("owner"), finished_run, "csv", django_capture_on_commit_callbacks).json()
    outsider = api("outsider")
    assert outsider.get(f"/api/v1/reports/{status['id']}/").status_code == 404
    assert outsider.get(f"/api/v1/reports/{status['id']}/download/").status_code == 404
    assert outsider.post(f"/api/v1/runs/{finished_run.pk}/reports/", {"kind": "pdf"}, format="json").status_code == 404
    assert Report.objects.count() == 1


def test_it_refuses_a_report_of_an_unfinished_run_or_an_unknown_kind(api, queued_run, finished_run):
    client = api("owner")
    response = client.post(f"/api/v1/runs/{queued_run.pk}/reports/", {"kind": "pdf"}, format="json")
    assert response.status_code == 409 and "queued" in response.json()["detail"]
    bad = client.post(f"/api/v1/runs/{finished_run.pk}/reports/", {"kind": "docx"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
    assert not Report.objects.exists()


def test_it_answers_409_for_a_download_that_is_not_ready(api, finished_run):
    report = Report.objects.create(run=finished_run, kind="pdf")
    response = api("owner").get(f"/api/v1/reports/{report.pk}/download/")
    assert response.status_code == 409 and "queued" in response.json()["detail"]


def test_it_links_the_page_download_to_the_cached_file(client, owner, finished_run, django_capture_on_commit_callbacks):
    from django.urls import reverse

    client.force_login(owner)
    url = reverse("report-file", args=[finished_run.pk, "xlsx"])
    with django_capture_on_commit_callbacks(execute=True):
        pending = client.get(url)
    assert pending.status_code == 202 and "being prepared" in pending.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("report-file", args=[finished_run.pk, "docx"])).status_code == 404
