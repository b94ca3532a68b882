"""No PDF report draws past the right edge of its pages (issue 20, item 10): the run report's
hardware pools, the portfolio year table (its last column, failed curtailment, was clipped) and the
study point tables. Measured on WeasyPrint's own layout (tests/reports/pdf_layout.py), with names
long enough to push a column out."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from tests.reports.pdf_layout import overflowing

pytestmark = pytest.mark.django_db
LONG = "a-pool-name-without-any-space-to-break-at-" + "x" * 30


def test_the_run_report_fits_its_pages(owner, organisation, small_inputs):
    from planner.reports.builders import build_file
    from planner.reports.content import report_content
    from planner.scenarios import services
    from planner.scenarios.models import Run

    inputs = copy.deepcopy(small_inputs)
    inputs["hardware"][0] |= {"name": LONG, "power_limit_w": 600.0, "serving_stack": "tensorrt-llm"}
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    content = report_content(run=run, sensitivity=False)
    # The sensitivity table as planner/reports/sensitivity.py writes it (re-running the engine for
    # each case takes a minute; its layout is what is tested here).
    outputs = [
        {"name": f"Long output name number {i} [unit]", "value": "123,456,789", "change_pct": "+12.3 %"}
        for i in range(5)
    ]
    rows = [{"input": f"input {LONG}", "level": "+20 %", "outputs": outputs, "note": ""}]
    with overflowing() as found:
        pdf = build_file(kind="pdf", content=dataclasses.replace(content, sensitivity=rows)).data
    assert pdf.startswith(b"%PDF")
    assert not found, "\n".join(found)


def test_the_portfolio_report_fits_its_pages(owner, organisation, small_inputs):
    from planner.jobs.lifecycle import job_execute
    from planner.portfolios import services
    from planner.portfolios.reports import build_portfolio_file
    from planner.scenarios import services as scenario_services

    members = []
    for year, name in ((2026, "first"), (2027, "second " + LONG)):
        inputs = copy.deepcopy(small_inputs) | {"name": name}
        scenario = scenario_services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
        members.append({"scenario": scenario.pk, "in_service_year": year, "ramp": [0.5, 1.0]})
    definition = {"name": "queue", "start_year": 2026, "end_year": 2030, "members": members}
    portfolio = services.portfolio_create(owner=owner, organisation=organisation, data=definition)
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    job_execute(kind="portfolio_run", job_id=run.pk)
    run.refresh_from_db()
    with overflowing() as found:
        built = build_portfolio_file(kind="pdf", run=run)
    assert built.data.startswith(b"%PDF")
    assert not found, "\n".join(found)


def test_the_study_report_fits_its_pages(owner, organisation, small_inputs, django_capture_on_commit_callbacks):
    from planner.scenarios import services as scenario_services
    from planner.studies import services
    from planner.studies.reports import build_pdf

    inputs = copy.deepcopy(small_inputs)
    inputs["hardware"][0]["name"] = LONG
    scenario = scenario_services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
    sweep = {
        "kind": "sweep",
        "vary": {
            "hardware[0].weight_precision": ["fp8", "bf16"],
            "site.cooling": ["immersion", "evaporative"],
            "fleet.headroom_frac": [0.1, 0.3],
        },
    }
    study = services.study_create(
        owner=owner, organisation=organisation, scenario=scenario, name="wide " + LONG, definition=sweep
    )
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.study_run_submit(study=study, submitted_by=owner)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    with overflowing() as found:
        assert build_pdf(run).startswith(b"%PDF")
    assert not found, "\n".join(found)
