"""A three-site comparison from the browser: fill the form, run it, see the ranking and the map drawn
(offline topojson), open one site's own result from the ranking."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RUN_TIMEOUT_MS = 180_000


def test_it_compares_three_sites_in_a_browser(request, browser, live_server, owner, organisation, screenshot_dir):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("celery_worker")
    from planner.scenarios import services

    inputs = json.loads((ROOT / "examples" / "ashburn-chat.json").read_text())
    services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
    base = live_server.url
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("pw-owner")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Sites").click()
    page.locator("#new-comparison").click()
    page.locator("#name").fill("Three candidate sites")
    for i, (name, climate, region) in enumerate(
        [
            ("Ashburn", "us-va-ashburn", "pjm-dominion"),
            ("Dallas", "us-tx-dallas", "ercot"),
            ("Singapore", "sg-singapore", "singapore"),
        ]
    ):
        page.locator(f"#site-{i}-name").fill(name)
        page.locator(f"#site-{i}-climate").select_option(climate)
        page.locator(f"#site-{i}-region").select_option(region)
    page.locator("#users").fill(
        json.dumps(
            [
                {
                    "workload": "chat",
                    "metros": {"new-york": 0.7, "chicago": 0.3},
                    "rtt_budget_ms": 60,
                    "interactive": True,
                }
            ]
        )
    )
    page.locator("#save-comparison").click()
    page.locator("#run-comparison").click()
    page.wait_for_selector("#ranking", timeout=RUN_TIMEOUT_MS)
    page.wait_for_selector('#chart-map[data-rendered="1"] .main-svg', timeout=30_000)
    page.wait_for_selector("#chart-map .geo path.countries, #chart-map .geo .countries path", timeout=30_000)
    rows = page.locator("#ranking tbody tr")
    assert rows.count() == 3
    ranking = page.inner_text("#ranking")
    assert "exceeds the budget of 60 ms" in ranking  # Singapore is too far from the chat users
    assert all(base in url or url.startswith("data:") for url in requests), [u for u in requests if base not in u]
    page.screenshot(path=screenshot_dir / "site-comparison.png", full_page=True)
    page.locator("#ranking a", has_text="Dallas").click()
    page.wait_for_selector("#kpi-usd_per_mtok")
    assert "Dallas" in page.inner_text("h1")
    assert not problems, problems
