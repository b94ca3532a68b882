"""The study report (PDF), opened with pypdf: the definition with the distributions' sources, the
points, P10/P50/P90 and Sobol indices (uncertainty), the best mix, the Pareto front and the excluded
candidates with their reasons (optimisation), and the charts as images."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from planner.reports.models import Report
from planner.reports.services import report_build
from tests.api.conftest import client_for
from tests.studies.conftest import make_study, submit

pytestmark = pytest.mark.django_db


def _pdf(client, user, run):
    client.force_login(user)
    page = client.get(reverse("study-run-detail", args=[run.pk])).content.decode()
    assert f'href="{reverse("study-run-report", args=[run.pk])}" id="download-pdf" data-report' in page
    # The report job builds it (here in this process; tests/studies/test_report_job.py: a real worker).
    state = client.get(reverse("study-run-report", args=[run.pk]), HTTP_ACCEPT="application/json").json()
    if not state["ready"]:
        assert state["status"] == "queued", state
        report_build(report_id=Report.objects.get(study_run=run, kind="pdf").pk)
    response = client.get(reverse("study-run-report", args=[run.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    # WeasyPrint shares its image resources among pages: count each image once.
    images = len({image.name for page in reader.pages for image in page.images})
    return text, images


def test_an_uncertainty_report_has_sources_percentiles_sobol_and_charts(
    client, scenario, owner, viewer, outsider, django_capture_on_commit_callbacks
):
    source = "operator note 2026: plus or minus 30 percent"
    definition = {
        "kind": "uncertainty",
        "samples": 4,
        "sensitivity": True,
        "inputs": [
            {
                "parameter": "carbon_intensity",
                "mode": "relative",
                "distribution": {"kind": "uniform", "low": 0.7, "high": 1.3},
                "source": source,
            },
            {
                "parameter": "energy_price",
                "mode": "relative",
                "distribution": {"kind": "uniform", "low": 0.9, "high": 1.1},
            },
        ],
    }
    run, _ = submit(
        make_study(scenario, owner, definition, name="Carbon risk"), owner, django_capture_on_commit_callbacks
    )
    assert run.status == "succeeded", run.error
    text, images = _pdf(client, owner, run)  # a planner builds it (issue 20, item 12) …
    client.force_login(viewer)  # … and viewers read it
    assert client.get(reverse("study-run-report", args=[run.pk])).content.startswith(b"%PDF")
    assert "Carbon risk" in text and "1. Definition" in text
    assert source in text and "uniform 0.7 – 1.3" in text and "grid.overrides.carbon_intensity_g_per_kwh" in text
    assert "not stated" in text  # the energy price's distribution gave no source: the report says so
    assert "P10 / P50 / P90" in text and "Sobol indices" in text
    # The P50 of peak MW printed equals the summary's (4 significant digits).
    from planner.reports.units import fmt

    assert fmt(run.summary["percentiles"]["location_based_tco2e"]["p50"]) in text
    assert "every point, with all its KPIs and reasons, is in the CSV/XLSX" in text
    # histograms + 2 fan charts + Sobol bars
    assert images == 2 + len(run.summary["fan"])
    client.force_login(outsider)
    assert client.get(reverse("study-run-report", args=[run.pk])).status_code == 404


def test_a_sweep_report_says_how_many_points_it_prints(
    client, scenario, owner, viewer, outsider, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("planner.studies.reports.TABLE_ROWS", 1)
    definition = {"kind": "sweep", "vary": {"hardware[0].tensor_parallel": [1, 4]}}
    run, _ = submit(make_study(scenario, owner, definition), owner, django_capture_on_commit_callbacks)
    text, images = _pdf(client, owner, run)
    api = client_for(viewer).get(f"/api/v1/studies/runs/{run.pk}/report.pdf")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf" and api.content.startswith(b"%PDF")
    assert client_for(outsider).get(f"/api/v1/studies/runs/{run.pk}/report.pdf").status_code == 404
    # A run still queued (its dispatch waits for a commit that never comes in this test) has no report yet.
    from planner.studies.services import study_run_submit

    queued, _ = study_run_submit(study=run.study, submitted_by=owner)
    assert queued.status == "queued"
    assert client.get(reverse("study-run-report", args=[queued.pk])).status_code == 409
    assert client_for(viewer).get(f"/api/v1/studies/runs/{queued.pk}/report.pdf").status_code == 409
    refused = client_for(viewer).post(f"/api/v1/studies/runs/{queued.pk}/reports/", {"kind": "pdf"}, format="json")
    assert refused.status_code == 409 and "reports need a finished study run" in refused.json()["detail"]
    assert not Report.objects.filter(study_run=queued).exists()
    assert "hardware[0].tensor_parallel 1, 4" in text and "The first 1 of 2 points" in text
    assert images == 1  # KPIs against the varied field


def test_an_optimisation_report_has_the_best_mix_the_front_and_the_excluded_reasons(
    client, scenario, owner, django_capture_on_commit_callbacks
):
    definition = {
        "kind": "optimisation",
        "choices": {"hardware[0].weight_precision": ["bf16", "int4"], "site.cooling": ["evaporative", "immersion"]},
        "objective": "annual_facility_energy_mwh",
        "limits": {"peak_facility_power_mw": 52},
    }
    run, _ = submit(make_study(scenario, owner, definition), owner, django_capture_on_commit_callbacks)
    summary = run.summary
    assert summary["best_index"] is not None and summary["excluded"], summary  # 2 of 4 exceed 52 MW
    text, images = _pdf(client, owner, run)
    assert "2. Best mix" in text and f"Point {summary['best_index']} minimises" in text
    assert "peak facility power at the meter [MW] ≤ 52" in text and "Pareto front" in text
    for reason in summary["excluded"].values():
        assert " ".join(reason.split()) in text
    assert "TCO per million output tokens [USD/Mtok] against emissions, market-based [tCO2e]" in text
    assert images == 3  # Pareto + KPIs against each of the two choices


def test_a_milp_optimisation_report_shows_the_bound_the_gap_and_the_epsilon_front(
    client, scenario, owner, django_capture_on_commit_callbacks
):
    # One pool: the MILP's operating points are the 4 candidates themselves (2 precisions × 2
    # cooling types), so its per-device model is exact there and the gap is 0 to rounding.
    definition = {
        "kind": "optimisation",
        "method": "milp",
        "choices": {"hardware[0].weight_precision": ["bf16", "int4"], "site.cooling": ["evaporative", "immersion"]},
        "objective": "annual_facility_energy_mwh",
        "pareto_levels": 3,
    }
    run, _ = submit(make_study(scenario, owner, definition), owner, django_capture_on_commit_callbacks)
    milp = run.summary["milp"]
    assert milp["status"] == "optimal" and abs(milp["gap_frac"]) < 1e-9, milp
    assert milp["checked_best"] == run.points.get(index=run.summary["best_index"]).kpis["annual_facility_energy_mwh"]
    text, _ = _pdf(client, owner, run)
    assert "Optimality: the MILP and its gap" in text
    assert f"gap {milp['gap_percent']:.3f} %" in text
    assert "Pareto front by ε-constraint" in text
