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
    page.fill(
        "#id_definition",
        '{"kind": "sweep", "vary": {"site.cooling": ["evaporative", "immersion", "air_chiller_economizer"]}}',
    )
    page.click("#create-study")
    page.click("#start-study")
    page.wait_for_selector("#chart-kpi-field .main-svg", timeout=120_000)
    assert page.locator("#points-table tbody tr").count() == 3
    page.select_option("#chart-kpi", "annual_pue")
    page.locator("#points-table th", has_text="annual_pue").click()
    cells = page.locator("#points-table tbody tr td:nth-child(6)").all_text_contents()
    assert [float(c) for c in cells] == sorted(float(c) for c in cells)
    assert page.locator("#chart-kpi-field .scatterlayer .point").count() == 3
    page.screenshot(path=str(screenshot_dir / "study-sweep.png"), full_page=True)
    assert problems == []
    context.close()
