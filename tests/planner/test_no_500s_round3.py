"""Inputs that gave 500s (issue 20, item 8) answer a clear error naming the field instead.

NaN in a portfolio ramp (NaN into jsonb), `scenario=abc` on the comparison form, a study definition
nested 3,000 levels deep (the page skipped the JSON guard), and ids written with digits that
`str.isdigit()` accepts but `int()` refuses ("²") or that overflow a bigint.
"""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from planner.ids import as_id, as_index
from planner.portfolios.models import Portfolio
from planner.scenarios import services as scenario_services
from planner.sites.models import SiteComparison
from planner.studies.models import Study
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    return scenario_services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


def test_ids_are_ascii_digits_within_a_bigint():
    assert [as_id(v) for v in ("12", " 7 ", 3, "²", "١٢", "0", "-1", "1e3", "9" * 19, True, None, 2.0)] == [
        12,
        7,
        3,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert [as_index(v) for v in ("0", "4", "²", str(2**31), "")] == [0, 4, None, None, None]


@pytest.mark.parametrize("ramp", ["NaN", "nan, 1", "inf", "1, -Infinity"])
def test_a_portfolio_ramp_of_nan_is_a_field_error(client, owner, scenario, ramp):
    client.force_login(owner)
    data = {
        "name": "NaN queue",
        "start_year": "2026",
        "end_year": "2029",
        "member_rows": "1",
        "member-0-scenario": str(scenario.pk),
        "member-0-in_service_year": "2026",
        "member-0-ramp": ramp,
        "member-0-ramp_unit": "share",
    }
    response = client.post(reverse("portfolio-create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "must be a finite number" in page and not Portfolio.objects.exists()


@pytest.mark.parametrize("rows", ["abc", "²", "99999999999"])
def test_a_forged_member_row_count_is_not_a_500(client, owner, scenario, rows):
    client.force_login(owner)
    response = client.post(reverse("portfolio-create"), {"name": "q", "member_rows": rows})
    assert response.status_code == 400 and "at least one member" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "²", "9" * 30])
def test_the_comparison_form_names_a_bad_scenario(client, owner, organisation, value):
    client.force_login(owner)
    data = {"organisation": str(organisation.pk), "scenario": value, "name": "c"}
    response = client.post(reverse("site-comparison-create"), data)
    assert response.status_code == 400
    assert "pick a scenario of yours" in response.content.decode() and not SiteComparison.objects.exists()
    response = client.post(reverse("site-comparison-create"), {**data, "organisation": value})
    assert response.status_code in (400, 403)


def test_the_study_form_refuses_a_definition_nested_3000_deep(client, owner, scenario):
    client.force_login(owner)
    deep = '{"vary": ' + "[" * 3000 + "]" * 3000 + "}"
    response = client.post(
        reverse("study-create", args=[scenario.pk]), {"name": "s", "kind": "sweep", "definition": deep}
    )
    assert response.status_code == 400
    assert "nested deeper than 32 levels" in response.content.decode() and not Study.objects.exists()
    huge = '{"vary": {"horizon.years": [' + "1" * 5000 + "]}}"
    response = client.post(
        reverse("study-create", args=[scenario.pk]), {"name": "s", "kind": "sweep", "definition": huge}
    )
    assert response.status_code == 400 and not Study.objects.exists()


@pytest.mark.parametrize("value", ["²", "١", "9" * 30])
def test_the_portfolio_api_names_a_scenario_id_it_cannot_read(owner, scenario, value):
    body = {"name": "q", "start_year": 2026, "end_year": 2028, "members": [{"scenario": value, "ramp": [1]}]}
    response = client_for(owner).post("/api/v1/portfolios/", body, format="json")
    assert response.status_code == 400, response.content
    assert "members[0].scenario" in response.content.decode()
    body["system_load_upload"] = value
    body["system_load_region"] = "pjm-dominion"
    response = client_for(owner).post("/api/v1/portfolios/", body, format="json")
    assert response.status_code == 400 and "system_load_upload" in response.content.decode()


@pytest.mark.parametrize("value", ["²", "9" * 30])
def test_a_scenario_naming_an_upload_it_cannot_read_is_a_field_error(owner, small_inputs, value):
    inputs = copy.deepcopy(small_inputs)
    inputs["grid"]["uploads"] = {"carbon": value}
    response = client_for(owner).post("/api/v1/scenarios/", {"inputs": inputs}, format="json")
    assert response.status_code == 400, response.content
    assert "grid.uploads.carbon" in response.content.decode()


def test_compare_pages_read_only_ascii_ids(client, owner, scenario):
    client.force_login(owner)
    assert client.get(reverse("run-compare") + "?run=²&run=1").status_code == 400
    assert client.get(reverse("portfolio-compare") + "?a=²&b=1").status_code == 404
