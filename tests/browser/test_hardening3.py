"""Issue 20 in Chromium: the structured editor keeps the fields it does not show (item 2), and a
3 MB paste is refused in the page with everything typed still there (item 11)."""

from __future__ import annotations

import copy

import pytest

from tests.browser.test_planner_flow import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JSON_ONLY = {
    "economics": {
        "discount_rate_frac": 0.081,
        "facility_tier": "tier_iv",
        "accelerator_price_usd": {"h100-sxm": 27000.0},
    },
    "uncertainty": {
        "inputs": [
            {
                "parameter": "workloads[*].annual_growth_frac",
                "mode": "relative",
                "distribution": {"kind": "uniform", "low": 0.8, "high": 1.2},
            }
        ]
    },
}


def test_the_editor_round_trip_keeps_json_only_fields(browser, live_server, owner, organisation, small_inputs):
    from planner.scenarios import services
    from planner.scenarios.models import Scenario

    inputs = copy.deepcopy(small_inputs) | JSON_ONLY
    inputs["hardware"][0] |= {"power_limit_w": 450.0, "serving_stack": "tensorrt-llm", "energy_multiplier": 1.2}
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
    before = scenario.inputs
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/scenarios/{scenario.pk}/edit/")
    assert page.input_value("#id_hardware-0-power_limit_w") == "450.0"  # shown now, not only kept
    page.get_by_label("Description").fill("Only the description changed")
    page.locator("#save-scenario").click()
    page.wait_for_url(f"{live_server.url}/scenarios/{scenario.pk}/")
    assert "Saved as version 2" in page.inner_text("main")
    after = Scenario.objects.get(pk=scenario.pk).inputs
    assert after["description"] == "Only the description changed"
    assert {k: v for k, v in after.items() if k != "description"} == {
        k: v for k, v in before.items() if k != "description"
    }
    assert after["economics"]["discount_rate_frac"] == 0.081 and after["uncertainty"] == before["uncertainty"]
    assert after["hardware"][0]["energy_multiplier"] == 1.2


def test_a_3_mb_paste_is_refused_in_the_page_and_kept(browser, live_server, owner):
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/scenarios/new/?mode=json")
    pasted = '{"description": "' + "x" * 3_000_000 + '"}'
    page.locator("#id_document").fill(pasted)
    page.get_by_role("button", name="Save scenario").click()
    alert = page.locator(".form-too-large")
    alert.wait_for()
    assert page.url == f"{live_server.url}/scenarios/new/?mode=json"  # nothing was sent
    text = alert.inner_text()
    assert "limit is 2.5 MB (2,621,440 bytes)" in text and "Scenario (JSON, schema version 1)" in text
    assert len(page.input_value("#id_document")) == len(pasted)
