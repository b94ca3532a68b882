"""Pages with the owner / teammate / outsider trio, and form errors naming the field."""

import json

import pytest
from django.urls import reverse

from planner.scenarios import services
from planner.scenarios.models import Run, RunStatus, Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


@pytest.fixture
def finished_run(scenario, owner):
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_it_sends_anonymous_users_to_sign_in(client, scenario):
    response = client.get(reverse("scenario-detail", args=[scenario.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_it_shows_the_scenario_to_members(client, request, scenario, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("scenario-list")).content.decode().count(scenario.name) >= 1
    assert client.get(reverse("scenario-detail", args=[scenario.pk])).status_code == 200


def test_it_hides_the_scenario_from_an_outsider(client, outsider, scenario, finished_run):
    client.force_login(outsider)
    assert scenario.name not in client.get(reverse("scenario-list")).content.decode()
    for name, args in [
        ("scenario-detail", [scenario.pk]),
        ("scenario-edit", [scenario.pk]),
        ("run-detail", [finished_run.pk]),
        ("run-status", [finished_run.pk]),
        ("run-hourly", [finished_run.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name, args in [
        ("run-create", [scenario.pk]),
        ("scenario-clone", [scenario.pk]),
        ("run-rerun", [finished_run.pk]),
    ]:
        assert client.post(reverse(name, args=args)).status_code == 404, name
    assert Run.objects.count() == 1 and Scenario.objects.count() == 1


def test_it_lets_a_viewer_read_but_not_run(client, viewer, scenario):
    client.force_login(viewer)
    assert client.get(reverse("scenario-detail", args=[scenario.pk])).status_code == 200
    assert client.post(reverse("run-create", args=[scenario.pk])).status_code == 403
    assert not Run.objects.exists()


def test_it_creates_a_scenario_from_the_form(client, owner, organisation, small_inputs):
    client.force_login(owner)
    response = client.post(
        reverse("scenario-create"), {"organisation": organisation.pk, "document": json.dumps(small_inputs)}
    )
    assert response.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.inputs["workloads"][0]["model"] == small_inputs["workloads"][0]["model"]
    assert scenario.revisions.count() == 1


def test_it_names_the_bad_field_on_the_form(client, owner, organisation, small_inputs):
    client.force_login(owner)
    small_inputs["workloads"][0]["peak_requests_per_s"] = -1
    response = client.post(
        reverse("scenario-create"), {"organisation": organisation.pk, "document": json.dumps(small_inputs)}
    )
    assert response.status_code == 400
    assert "workloads[0].peak_requests_per_s: Input should be greater than 0" in response.content.decode()
    assert not Scenario.objects.exists()


def test_it_reports_broken_json_with_its_position(client, owner, organisation):
    client.force_login(owner)
    response = client.post(reverse("scenario-create"), {"organisation": organisation.pk, "document": '{"name": '})
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()


def test_it_keeps_every_version_when_editing(client, teammate, scenario, small_inputs):
    client.force_login(teammate)
    small_inputs["workloads"][0]["peak_requests_per_s"] = 10
    response = client.post(
        reverse("scenario-edit", args=[scenario.pk]),
        {"organisation": scenario.organisation_id, "document": json.dumps(small_inputs)},
    )
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 2
    assert [r.version for r in scenario.revisions.all()] == [2, 1]


def test_it_shows_a_result_with_its_chart_data(client, owner, finished_run):
    client.force_login(owner)
    page = client.get(reverse("run-detail", args=[finished_run.pk])).content.decode()
    assert "Peak facility power" in page and "vendor/plotly.min.js" in page
    hourly = client.get(reverse("run-hourly", args=[finished_run.pk])).json()
    assert len(hourly["facility_power_mw"]) == 8760
    assert max(hourly["facility_power_mw"]) == pytest.approx(finished_run.result["peak_facility_power_mw"], rel=1e-4)


def test_it_serves_plotly_from_static_not_a_cdn(client, owner, finished_run):
    client.force_login(owner)
    page = client.get(reverse("run-detail", args=[finished_run.pk])).content.decode()
    assert "cdn." not in page and "https://" not in page


def test_it_names_an_unknown_catalog_name_when_saving(client, owner, organisation, small_inputs):
    # The schema accepts any slug; what the slug names is checked against the catalogs on save.
    client.force_login(owner)
    small_inputs["hardware"][0]["accelerator"] = "h900"
    response = client.post(
        reverse("scenario-create") + "?mode=json",
        {"organisation": organisation.pk, "document": json.dumps(small_inputs)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "hardware[0].accelerator" in page and "unknown accelerator" in page and "h200" in page
    assert not Scenario.objects.exists()
