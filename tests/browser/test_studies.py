"""A small sweep created and run from the browser: the form, progress, the sortable table and the
KPI-against-field chart drawn by Plotly."""

from __future__ import annotations

import pytest
from django.conf import settings

from planner.scenarios import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_creates_a_sweep_and_draws_its_chart(
    request, browser, live_server, owner, organisation, small_inputs, screenshot_dir
):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("celery_worker")
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("pw-owner")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/scenarios/{scenario.pk}/")
    page.click("#study-button")
    page.fill("#id_name", "Cooling sweep")
    page.check("input[name=kind][value=sweep]")
    page.click("#advanced summary")  # the JSON box is the advanced way in
    page.fill(
        "#id_definition",
        '{"kind": "sweep", "vary": {"site.cooling": ["evaporative", "immersion", "air_chiller_economizer"]}}',
    )
    page.click("#create-study")
    page.click("#start-study")
    page.wait_for_selector("#chart-kpi-field .main-svg", timeout=120_000)
    assert page.locator("#points-table tbody tr").count() == 3
    page.select_option("#chart-kpi", "annual_pue")
    page.locator("#points-table th[title=annual_pue]").click()  # headed "annual PUE" (label and unit)
    cells = page.locator("#points-table tbody tr td:nth-child(6)")
    exact = cells.evaluate_all("cells => cells.map(c => c.dataset.value)")  # sorted by the exact value
    assert [float(c) for c in exact] == sorted(float(c) for c in exact)
    assert [float(c) for c in cells.all_text_contents()] == [float(f"{float(c):.4g}") for c in exact]
    assert page.locator("#chart-kpi-field .scatterlayer .point").count() == 3
    page.screenshot(path=str(screenshot_dir / "study-sweep.png"), full_page=True)

    # The PDF is built by the report job: the link says so (static/planner/reports.js), then downloads.
    page.reload()
    page.evaluate(
        """() => { window.reportTexts = []; const box = document.getElementById('report-status');
        new MutationObserver(() => window.reportTexts.push(box.textContent))
          .observe(box, { childList: true, characterData: true, subtree: true }); }"""
    )
    with page.expect_download(timeout=120_000) as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename.endswith(".pdf")
    assert any(t.startswith("Building the PDF report") for t in page.evaluate("window.reportTexts"))
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Cooling sweep" in text
    assert problems == []
    context.close()


def _login(page, base):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("pw-owner")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_the_form_builder_writes_the_definition_and_the_best_mix_opens_as_a_scenario(
    request, browser, live_server, owner, organisation, small_inputs, screenshot_dir
):
    import json

    from planner.engine.studies.definition import default_inputs

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("celery_worker")
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    _login(page, base)
    page.goto(f"{base}/studies/new/{scenario.pk}/")
    definition = lambda: json.loads(page.input_value("#id_definition"))  # noqa: E731

    # Uncertainty: the default inputs are rows; one more row is a parameter, a distribution, bounds, a source.
    page.check("input[name=kind][value=uncertainty]")
    assert page.locator("#builder-inputs tbody tr").count() == len(default_inputs())
    page.click("#add-input")
    row = page.locator("#builder-inputs tbody tr").last
    row.locator(".b-parameter").fill("engine_energy_multiplier")
    row.locator(".b-dist").select_option("triangular")
    row.locator(".b-input-mode").select_option("absolute")
    row.locator(".b-bound-low").fill("0.6")
    row.locator(".b-bound-mode").fill("1")
    row.locator(".b-bound-high").fill("1.6")
    row.locator(".b-source").fill("engine band p10/p90")
    page.fill("#b-samples", "16")
    added = definition()["inputs"][-1]
    assert definition()["samples"] == 16 and added == {
        "parameter": "engine_energy_multiplier",
        "mode": "absolute",
        "distribution": {"kind": "triangular", "low": 0.6, "mode": 1, "high": 1.6},
        "source": "engine band p10/p90",
    }

    # Optimisation: choices rows, the objective, a limit; the JSON follows, and reloads the form.
    page.check("input[name=kind][value=optimisation]")
    page.locator("#builder-choices .b-values").first.fill("bf16, int4")
    page.click("#add-choice")
    page.locator("#builder-choices .b-path").last.fill("site.cooling")
    page.locator("#builder-choices .b-values").last.fill("evaporative, immersion")
    page.select_option("#b-objective", "annual_facility_energy_mwh")
    page.locator("#builder-limits .b-max").first.fill("52")
    built = definition()
    assert built["choices"] == {
        "hardware[0].weight_precision": ["bf16", "int4"],
        "site.cooling": ["evaporative", "immersion"],
    }
    assert built["objective"] == "annual_facility_energy_mwh" and built["limits"] == {"peak_facility_power_mw": 52}
    page.fill("#id_name", "Mix under 52 MW")
    page.screenshot(path=str(screenshot_dir / "study-builder.png"), full_page=True)
    page.click("#create-study")
    page.click("#start-study")
    page.wait_for_selector("#chart-pareto .main-svg", timeout=120_000)
    assert page.locator("#pareto-table tbody tr").count() >= 1
    assert page.locator("#chart-pareto .scatterlayer .point").count() == 4 + 1  # every candidate, and the best starred
    assert page.locator("#download-pdf").count() == 1
    page.screenshot(path=str(screenshot_dir / "study-pareto.png"), full_page=True)
    page.click("#adopt-best")
    page.wait_for_url(f"{base}/scenarios/*/")
    assert "Mix under 52 MW" not in page.title() and "point" in page.locator("h1").inner_text()
    assert problems == []
    context.close()
