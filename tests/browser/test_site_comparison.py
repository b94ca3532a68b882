"""A three-site comparison from the browser: fill the form (the users section as rows: a workload with
two metros), run it, see the ranking and the map drawn (offline topojson), open one site's own result
from the ranking."""

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
    _users_as_rows(page, problems, screenshot_dir)
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


def _users_as_rows(page, problems: list[str], screenshot_dir) -> None:
    """The chat users in New York (0.7) and Chicago (0.3) within 60 ms, built with the row editor:
    a wrong total first (named on the row to fix), a metro row added and removed, the JSON view."""
    page.locator("#users-0-workload").fill("chat")
    page.locator("#users-0-kind").select_option("interactive")
    page.locator("#users-0-rtt_budget_ms").fill("60")
    page.locator("#users-0-metro-0-slug").select_option("new-york")
    page.locator("#users-0-metro-0-share").fill("0.7")
    page.locator("#users-0-add-metro").click()
    page.locator("#users-0-metro-1-slug").select_option("chicago")
    page.locator("#users-0-metro-1-share").fill("0.2")
    page.locator("#users-0-add-metro").click()
    page.locator("#users-0-metro-2-slug").select_option("london")
    page.locator("#users-0-metro-2 button[data-remove-row]").click()
    assert page.locator("#users-0 .users-metro").count() == 2
    page.locator("#add-workload-users").click()  # a second section, left empty: ignored
    page.locator("#users-1-remove").click()
    page.locator("#users-mode-json").check()
    assert '"chicago": 0.2' in page.locator("#users").input_value()
    page.locator("#users").fill("")  # back to rows; the rows are what is saved
    page.locator("#users-mode-form").check()
    assert page.locator("#users").is_hidden()
    page.locator("#save-comparison").click()
    assert "row 2 (chicago) would need 0.3" in page.inner_text("#users-0-error")
    assert problems == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    problems.clear()  # the form's answer to the wrong total, expected
    page.locator("#users-section").screenshot(path=screenshot_dir / "site-comparison-users.png")
    assert page.locator("#site-2-name").input_value() == "Singapore"  # the form comes back as typed
    page.locator("#users-0-metro-1-share").fill("0.3")
    page.locator("#save-comparison").click()
