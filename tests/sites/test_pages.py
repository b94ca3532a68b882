"""Site comparison pages with the owner / teammate / viewer / outsider: members read, planners change,
viewers are refused changes (403), outsiders never learn the comparison exists (404)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from planner.jobs.models import JobStatus
from planner.reports.models import Report
from planner.reports.services import report_build
from planner.sites.models import ComparisonRun, SiteComparison

pytestmark = pytest.mark.django_db

READERS = [("owner", 200), ("teammate", 200), ("viewer", 200), ("outsider", 404)]


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("who", "code"), READERS)
def test_every_page_of_a_comparison_is_for_members_only(request, client, who, code, finished_comparison_run):
    _login(client, request.getfixturevalue(who))
    run = finished_comparison_run
    urls = [
        reverse("site-comparison-detail", args=[run.comparison_id]),
        reverse("site-comparison-run", args=[run.pk]),
        reverse("site-comparison-run-status", args=[run.pk]),
        reverse("site-comparison-site", args=[run.pk, 0]),
    ]
    for url in urls:
        assert client.get(url).status_code == code, url
    # The report job queues the file: planners get its state (202 while it is built); a viewer may
    # not queue a build (403, issue 20 item 12) but reads a built one; outsiders 404.
    report = client.get(reverse("site-comparison-report", args=[run.pk, "xlsx"]))
    assert report.status_code == {"viewer": 403}.get(who, 202 if code == 200 else 404)
    listing = client.get(reverse("site-comparison-list")).content.decode()
    assert (run.comparison.name in listing) == (code == 200)


def test_the_run_page_shows_the_ranking_the_map_and_links_to_each_site(client, owner, finished_comparison_run):
    page = _login(client, owner).get(reverse("site-comparison-run", args=[finished_comparison_run.pk])).content.decode()
    result = finished_comparison_run.result
    assert 'id="ranking"' in page and 'id="chart-map"' in page and "vendor/topojson/" in page
    costs = page.split('id="workload-costs"', 1)[1].split("</table>", 1)[0]  # $/Mtok per workload and site
    for site in result["sites"]:
        for cost in site["metrics"]["usd_per_mtok_by_workload"].values():
            assert f"{cost['output']:.4f} / {cost['prompt_and_output']:.4f}" in costs
    for index, site in enumerate(result["sites"]):
        assert site["name"] in page
        assert reverse("site-comparison-site", args=[finished_comparison_run.pk, index]) in page
    singapore = next(i for i, s in enumerate(result["sites"]) if s["name"] == "Singapore")
    site_page = client.get(reverse("site-comparison-site", args=[finished_comparison_run.pk, singapore])).content
    assert b"exceeds the budget" in site_page and b"kpi-usd_per_mtok" in site_page
    assert client.get(reverse("site-comparison-site", args=[finished_comparison_run.pk, 9])).status_code == 404


@pytest.mark.parametrize(("who", "code"), [("owner", 302), ("teammate", 302), ("viewer", 403), ("outsider", 404)])
def test_only_planners_run_and_delete(request, client, who, code, comparison, django_capture_on_commit_callbacks):
    _login(client, request.getfixturevalue(who))
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("site-comparison-run-create", args=[comparison.pk]))
    assert response.status_code == code
    assert ComparisonRun.objects.count() == (1 if code == 302 else 0)
    # Not while its run is queued (issue 20 item 12: the one rule of planner/jobs/deletion.py).
    response = client.post(reverse("site-comparison-delete", args=[comparison.pk]))
    assert response.status_code == (409 if code == 302 else code)
    if code == 302:
        page = response.content.decode()
        assert 'id="delete-error"' in page and "has a run in progress" in page
    assert SiteComparison.objects.filter(pk=comparison.pk).exists()
    ComparisonRun.objects.update(status=JobStatus.FAILED)
    response = client.post(reverse("site-comparison-delete", args=[comparison.pk]))
    assert response.status_code == code
    assert SiteComparison.objects.filter(pk=comparison.pk).exists() == (code != 302)


def _form(scenario, organisation, **extra) -> dict:
    data = {"name": "Three sites", "organisation": organisation.pk, "scenario": scenario.pk, "users": "[]"}
    for i, (name, climate, region) in enumerate(
        [
            ("Ashburn", "us-va-ashburn", "pjm-dominion"),
            ("Dallas", "us-tx-dallas", "ercot"),
            ("Luleå", "se-lulea", "sweden-nordics"),
        ]
    ):
        data.update({f"site-{i}-name": name, f"site-{i}-climate": climate, f"site-{i}-region": region})
    data["weight-usd_per_mtok"] = "1"
    data.update(extra)
    return data


def test_the_form_creates_a_comparison_and_names_bad_fields(client, owner, organisation, small_inputs):
    from planner.scenarios import services

    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    _login(client, owner)
    bad = _form(
        scenario, organisation, users='[{"workload": "chat", "metros": {"new-york": 0.5}, "rtt_budget_ms": 50}]'
    )
    response = client.post(reverse("site-comparison-create"), bad)
    assert response.status_code == 400 and "users[0].metros" in response.content.decode()
    negative = _form(scenario, organisation, **{"site-1-power_cap_mw": "-3"})
    assert "sites[1].power_cap_mw" in client.post(reverse("site-comparison-create"), negative).content.decode()
    response = client.post(reverse("site-comparison-create"), _form(scenario, organisation))
    comparison = SiteComparison.objects.get()
    assert response.status_code == 302 and len(comparison.inputs["sites"]) == 3


def test_a_viewer_cannot_open_the_new_comparison_form(client, viewer):
    assert _login(client, viewer).get(reverse("site-comparison-create")).status_code == 403


def _download(client, run, kind: str):
    """Ask for the report (the one report job queues it), build it here, then get the file."""
    url = reverse("site-comparison-report", args=[run.pk, kind])
    assert client.get(url, HTTP_ACCEPT="application/json").json()["ready"] is False
    report_build(report_id=Report.objects.get(comparison_run=run, kind=kind).pk)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'.{kind}"')
    return response


def test_the_reports_hold_the_ranking_with_every_site(client, owner, finished_comparison_run):
    _login(client, owner)
    result = finished_comparison_run.result
    xlsx = _download(client, finished_comparison_run, "xlsx")
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = list(book["Ranking"].iter_rows(values_only=True))
    header, body = rows[0], {row[1]: row for row in rows[1:] if row and row[1]}
    for site in result["sites"]:
        row = body[site["name"]]
        assert row[0] == site["rank"]
        assert row[header.index("Cost [USD per million output tokens]")] == pytest.approx(
            site["metrics"]["usd_per_mtok"]
        )
        assert row[header.index("Peak facility power [MW]")] == pytest.approx(site["metrics"]["peak_mw"])
    assert {r[0] for r in book["TCO by site"].iter_rows(min_row=2, values_only=True)} == {
        s["name"] for s in result["sites"]
    }
    pdf = _download(client, finished_comparison_run, "pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ranking" in text and "Where each workload goes" in text
    for site in result["sites"]:
        assert site["name"] in text
    assert "exceeds the budget" in text
