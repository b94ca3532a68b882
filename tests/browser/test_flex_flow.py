"""Flexible operation in a real browser: create a scenario with a flexibility block from the
editor, run it, and read the lever and the two dispatch charts on the result page.

Jobs run on a real Celery worker with DATABASE_URL / CELERY_BROKER_URL set, in-process otherwise.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_MS = 180_000
LEVER = r"flexible: [\d,.]+ MW firm of [\d,.]+ MW, 3 h/yr curtailed, (saves )?\$[\d,]+/yr"
FLEXIBILITY = {
    "power_capping": {"levels_frac": [0.8, 0.6]},
    "battery": {"power_mw": 2, "energy_mwh": 4},
    "allow_shedding": True,
    "signal": {"kind": "schedule", "events": [{"start_hour": 4695, "duration_h": 3, "reduction_frac": 0.2}]},
}


def test_it_creates_runs_and_shows_a_flexible_scenario(request, browser, live_server, owner, screenshot_dir):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("celery_worker")
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("pw-owner")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="New scenario").first.click()
    page.wait_for_selector("#scenario-editor")
    page.get_by_label("Scenario name").fill("Flexible campus")
    page.locator("#id_flexibility").fill(json.dumps(FLEXIBILITY))
    page.get_by_role("button", name="Save scenario").click()
    page.wait_for_selector("#run-button")

    page.locator("#run-button").click()
    page.wait_for_selector("#kpi-peak_mw", timeout=RUN_TIMEOUT_MS)
    lever = page.inner_text("#flex-lever")
    assert re.fullmatch(LEVER, lever), lever
    for chart in ("flex-week", "flex-duration"):
        page.wait_for_selector(f'#chart-{chart}[data-rendered="1"] .main-svg', timeout=30_000)
    legend = page.inner_text("#chart-flex-week")
    for name in ("Served IT", "Cooling and losses", "Curtailed", "Battery", "On-site generation", "Event cap"):
        assert name in legend, name
    page.locator("#flex-section").screenshot(path=screenshot_dir / "flexibility.png")
    assert problems == [], problems
    context.close()
