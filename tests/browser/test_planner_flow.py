"""The planner in a real browser: sign in, create a scenario from the form, run it through the
worker, read the charts, compare two runs, and an outsider refused.

Jobs run on a real Celery worker process when DATABASE_URL / CELERY_BROKER_URL point at
PostgreSQL and Redis; with no variables they run in-process (eager) against SQLite.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULT_CHARTS = ("sankey", "heatmap", "power", "pue", "carbon", "bill", "pool")
COMPARE_CHARTS = ("duration", "monthly", "profile", "cmp-pue")
RUN_TIMEOUT_MS = 180_000


def _jobs(request: pytest.FixtureRequest) -> None:
    """Start the real worker unless jobs run in-process."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("celery_worker")


def _price_csv() -> str:
    import numpy as np

    hours = np.arange("2023-01-01T00", "2024-01-01T00", dtype="datetime64[h]")
    price = 40 + 25 * np.sin(np.arange(hours.size) / 24 * 2 * np.pi - 1.5)
    rows = [f"{str(t).replace('T', ' ')}:00,{p:.2f}" for t, p in zip(hours, price, strict=True)]
    return "time,price_usd_per_mwh\n" + "\n".join(rows) + "\n"


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _wait_for_result(page) -> None:
    page.wait_for_selector("#kpi-peak_mw", timeout=RUN_TIMEOUT_MS)


def _assert_drawn(page, ids: tuple[str, ...], *, timeout_ms: int = 30_000) -> None:
    """Plotly drew each chart: its SVG exists and the page marked it rendered."""
    for name in ids:
        page.wait_for_selector(f'#chart-{name}[data-rendered="1"] .main-svg', timeout=timeout_ms)


def test_it_plans_runs_charts_and_compares_in_a_browser(request, browser, live_server, owner, outsider, screenshot_dir):
    _jobs(request)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # The invalid form is answered 400 on purpose; any other console error is a bug.
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" and "(Bad Request)" not in msg.text else None,
    )

    _sign_in(page, base, "owner")

    # Create a scenario from the structured form (defaults come from the worked example).
    page.get_by_role("link", name="New scenario").first.click()
    page.wait_for_selector("#scenario-editor")
    page.screenshot(path=screenshot_dir / "editor.png", full_page=True)
    page.get_by_label("Scenario name").fill("Browser campus with a deliberately long name to test wrapping " * 2)
    rate = page.locator("#id_workloads-0-rate")
    rate.fill("-5")  # an error first: it must come back on that field, naming it
    page.get_by_role("button", name="Save scenario").click()
    page.wait_for_selector("#error-summary")
    assert "Workload 1 › Peak request rate [requests/s]" in page.inner_text("#error-summary")
    page.locator("#error-summary a").first.click()  # the summary links to the field
    assert page.evaluate("document.activeElement.id") == "id_workloads-0-rate"
    assert page.locator("#id_workloads-0-rate_error").is_visible()
    page.evaluate("window.scrollBy(0, -260)")
    page.screenshot(path=screenshot_dir / "editor-error.png", full_page=False)
    page.locator("#id_workloads-0-rate").fill("120")
    # Edit the 24-hour curve: the shape becomes "custom" and the mini chart redraws.
    page.locator("#scenario-editor .shape-table").first.evaluate("details => { details.open = true; }")
    page.locator("#id_workloads-0-wd_3").fill("0.05")
    assert page.locator("#id_workloads-0-daily_shape").input_value() == "custom"
    # "+ Add workload" adds a card whose curve starts from its named shape; left blank, it is ignored.
    page.get_by_role("button", name="+ Add workload").click()
    assert float(page.locator("#id_workloads-2-wd_12").input_value()) == 1.0  # "flat"
    assert page.locator("#workloads-forms .formset-item").count() == 3
    page.get_by_role("button", name="Save scenario").click()
    page.wait_for_selector("#run-button")
    assert "Browser campus" in page.inner_text("h1")
    scenario_url = page.url.split("#")[0]  # a fragment survives the redirect

    # Run it: the page follows the job, then shows the result with its charts.
    page.locator("#run-button").click()
    _wait_for_result(page)
    first_run_url = page.url
    _assert_drawn(page, RESULT_CHARTS)
    _assert_drawn(page, ("levers",), timeout_ms=RUN_TIMEOUT_MS)
    # The lever table: each variant's cost per million output tokens for each workload of the plan.
    page.wait_for_selector("#levers-table")
    workload_heads = page.locator("#levers-table thead th").all_inner_texts()[4:]
    assert len(workload_heads) >= 2 and all(h.startswith("Cost, ") for h in workload_heads), workload_heads
    assert page.locator("#levers-table tbody tr").count() == 6  # as planned + five levers
    planned = page.locator('#levers-table tr[data-lever="baseline"] td[data-workload]').all_inner_texts()
    assert len(planned) == len(workload_heads) and all(re.fullmatch(r"[\d,]+\.\d{3}", t) for t in planned), planned
    assert page.locator(".kpi").count() == 13  # 9 + TCO, USD/Mtok (output; input + output), USD/kW-month
    # Bar labels and axis numbers in plain decimals (d3 "~r", exponentformat "none"), never 1.2e+5.
    numbers = page.locator("#charts .textpoint text, #charts .ytick text, #charts .y2tick text").evaluate_all(
        "all => all.map((el) => el.textContent)"
    )
    assert numbers and not [t for t in numbers if re.search(r"\de[+-]?\d", t)], numbers
    page.screenshot(path=screenshot_dir / "result.png", full_page=True)

    # Change one lever (4-bit weights) and run again.
    page.goto(scenario_url.rstrip("/") + "/edit/")
    page.locator("#id_hardware-0-weight_precision").select_option("int4")
    page.get_by_role("button", name="Save scenario").click()
    page.wait_for_selector("#run-button")
    page.screenshot(path=screenshot_dir / "scenario.png", full_page=True)
    page.locator("#run-button").click()
    _wait_for_result(page)
    second_run_url = page.url
    assert second_run_url != first_run_url

    # Compare the two runs from the scenario page.
    page.goto(scenario_url)
    boxes = page.locator("#compare-form input[name=run]")
    assert boxes.count() == 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#compare-button").click()
    page.wait_for_selector("#kpi-compare")
    _assert_drawn(page, COMPARE_CHARTS)
    # Each workload's USD/Mtok (output; prompt + output) for both runs, none missing (same workloads).
    costs = page.locator("#workload-costs tr[data-key] td").all_inner_texts()
    assert len(costs) == 2 * 2 * len(workload_heads) and "—" not in "".join(costs), costs
    differences = page.inner_text("#input-differences")
    assert "hardware[0].weight_precision" in differences and "int4" in differences
    page.screenshot(path=screenshot_dir / "compare.png", full_page=True)

    for section in ("accelerators", "regions"):
        page.goto(f"{base}/catalog/{section}/")
        page.screenshot(path=screenshot_dir / f"catalog-{section}.png", full_page=False)

    # Upload an hourly price file: a bad cell is named by row and column, then a good file previews.
    page.goto(f"{base}/uploads/new/")
    page.get_by_label("What the file holds").select_option("price")
    page.get_by_label("Name").fill("Day-ahead price 2023")
    good = _price_csv()
    bad = good.replace("\n2023-01-01 03:00,", "\n2023-01-01 03:00,n/a", 1)
    page.set_input_files("#id_file", {"name": "price.csv", "mimeType": "text/csv", "buffer": bad.encode()})
    page.locator("#upload-button").click()
    page.wait_for_selector("#upload-errors")
    assert "row 5, column 'price_usd_per_mwh'" in page.inner_text("#upload-errors")
    page.set_input_files("#id_file", {"name": "price.csv", "mimeType": "text/csv", "buffer": good.encode()})
    page.locator("#upload-button").click()
    page.wait_for_selector('#chart-upload[data-rendered="1"] .main-svg')
    page.screenshot(path=screenshot_dir / "upload.png", full_page=True)

    # Keyboard: the skip link is the first stop and lands on the main content.
    page.goto(scenario_url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert problems == [], problems

    # An outsider signs in and is refused everything of this organisation.
    other = browser.new_context()
    outsider_page = other.new_page()
    _sign_in(outsider_page, base, "outsider")
    assert "Browser campus" not in outsider_page.inner_text("main")
    for url in (scenario_url, first_run_url, second_run_url):
        response = outsider_page.goto(url)
        assert response is not None and response.status == 404, url
    other.close()
    context.close()
