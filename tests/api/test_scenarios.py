"""Scenarios over the API: the owner / teammate / viewer / outsider trio, errors naming the field
path exactly as the schema does, pagination and filters."""

import copy

import pytest

from planner.engine.schema import ScenarioError, parse_scenario
from planner.scenarios import services
from planner.scenarios.models import Run, Scenario

pytestmark = pytest.mark.django_db
LIST = "/api/v1/scenarios/"


def detail(scenario) -> str:
    return f"/api/v1/scenarios/{scenario.pk}/"


def test_it_refuses_anonymous_requests_with_the_error_body(api):
    response = api(None).get(LIST)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}
    assert body["status"] == 401 and body["errors"] == {}


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_it_shows_the_scenario_to_members(api, scenario, who):
    listed = api(who).get(LIST).json()
    assert [item["id"] for item in listed["results"]] == [scenario.pk]
    body = api(who).get(detail(scenario)).json()
    assert body["inputs"] == scenario.inputs and body["version"] == 1
    assert body["url"].endswith(detail(scenario))


def test_it_hides_the_scenario_from_an_outsider(api, scenario):
    client = api("outsider")
    assert client.get(LIST).json()["count"] == 0
    for method in ("get", "put", "delete"):
        response = getattr(client, method)(detail(scenario), {"inputs": scenario.inputs}, format="json")
        assert response.status_code == 404, method
        assert response.json()["code"] == "not_found"
    assert client.post(f"{detail(scenario)}runs/").status_code == 404
    assert Scenario.objects.get(pk=scenario.pk).version == 1 and not Run.objects.exists()


def test_it_creates_a_scenario_for_a_planner(api, organisation, small_inputs):
    response = api("owner").post(LIST, {"organisation": organisation.pk, "inputs": small_inputs}, format="json")
    assert response.status_code == 201, response.json()
    created = Scenario.objects.get()
    assert response["Location"].endswith(f"/api/v1/scenarios/{created.pk}/")
    assert created.organisation == organisation and created.owner.username == "owner"
    assert created.inputs == parse_scenario(small_inputs).model_dump(mode="json")


def test_it_picks_the_only_organisation_when_none_is_given(api, organisation, small_inputs):
    response = api("teammate").post(LIST, {"inputs": small_inputs}, format="json")
    assert response.status_code == 201
    assert Scenario.objects.get().organisation == organisation


def test_it_refuses_a_viewer_write_access(api, organisation, scenario, small_inputs):
    client = api("viewer")
    body = {"organisation": organisation.pk, "inputs": small_inputs}
    assert client.post(LIST, body, format="json").status_code == 403
    assert client.put(detail(scenario), {"inputs": small_inputs}, format="json").status_code == 403
    assert client.delete(detail(scenario)).status_code == 403
    assert client.post(f"{detail(scenario)}runs/").status_code == 403
    assert Scenario.objects.count() == 1 and not Run.objects.exists()


def test_it_refuses_an_organisation_the_user_is_not_in(api, other_organisation, small_inputs):
    response = api("owner").post(LIST, {"organisation": other_organisation.pk, "inputs": small_inputs}, format="json")
    assert response.status_code == 400
    assert "organisation" in response.json()["errors"]
    assert not Scenario.objects.exists()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["workloads"][1].update(peak_requests_per_s=-5), "workloads[1].peak_requests_per_s"),
        (lambda d: d["workloads"][0].pop("name"), "workloads[0].name"),
        (lambda d: d["hardware"][0].update(tensor_parallel="four"), "hardware[0].tensor_parallel"),
        (lambda d: d["site"].update(cooling="ice"), "site.cooling"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["fleet"].update(headroom_frac=1e9), "fleet.headroom_frac"),
    ],
)
def test_it_names_the_bad_field_with_the_schema_path(api, organisation, small_inputs, change, path):
    document = copy.deepcopy(small_inputs)
    change(document)
    with pytest.raises(ScenarioError) as expected:
        parse_scenario(document)
    response = api("owner").post(LIST, {"organisation": organisation.pk, "inputs": document}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == expected.value.errors  # the very paths and messages of the schema
    assert path in body["errors"]
    assert not Scenario.objects.exists()


def test_it_reports_body_and_scenario_errors_together(api, small_inputs):
    document = copy.deepcopy(small_inputs)
    document["workloads"][0]["output_tokens"] = 0
    response = api("owner").post(LIST, {"organisation": "alpha", "inputs": document}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"organisation", "workloads[0].output_tokens"}


@pytest.mark.parametrize("body", [None, [], "text", {"inputs": "not an object"}, {"inputs": None}])
def test_it_rejects_malformed_bodies_without_a_500(api, body):
    response = api("owner").post(LIST, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_it_rejects_a_body_that_is_not_json(api):
    response = api("owner").generic("POST", LIST, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_it_saves_an_edit_as_the_next_version(api, scenario, small_inputs):
    changed = copy.deepcopy(small_inputs)
    changed["workloads"][0]["peak_requests_per_s"] = 200
    response = api("teammate").put(detail(scenario), {"inputs": changed}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert scenario.revisions.count() == 2


def test_it_deletes_a_scenario_without_runs_but_keeps_one_with_runs(api, scenario, finished_run, owner, organisation):
    client = api("owner")
    response = client.delete(detail(scenario))
    assert response.status_code == 409 and "runs" in response.json()["detail"]
    spare = services.scenario_clone(scenario=scenario, owner=owner)
    assert client.delete(detail(spare)).status_code == 204
    assert list(Scenario.objects.values_list("pk", flat=True)) == [scenario.pk]


def test_it_paginates_and_filters(api, owner, organisation, small_inputs):
    for index in range(7):
        services.scenario_create(
            owner=owner, organisation=organisation, inputs={**small_inputs, "name": f"Campus {index:02d}"}
        )
    client = api("teammate")
    first = client.get(LIST, {"page_size": 3, "ordering": "name"}).json()
    assert first["count"] == 7 and len(first["results"]) == 3 and first["previous"] is None
    assert [item["name"] for item in first["results"]] == ["Campus 00", "Campus 01", "Campus 02"]
    last = client.get(LIST, {"page_size": 3, "page": 3, "ordering": "name"}).json()
    assert [item["name"] for item in last["results"]] == ["Campus 06"] and last["next"] is None
    assert client.get(LIST, {"search": "campus 04"}).json()["count"] == 1
    assert client.get(LIST, {"organisation": organisation.pk, "owner": "owner"}).json()["count"] == 7
    assert client.get(LIST, {"page": 9}).status_code == 404
    bad = client.get(LIST, {"ordering": "owner__password"})
    assert bad.status_code == 400 and "ordering" in bad.json()["errors"]
    assert client.get(LIST, {"organisation": "x"}).status_code == 400


def test_it_lists_the_users_organisations_with_roles(api, organisation):
    body = api("viewer").get("/api/v1/organisations/").json()
    assert body["results"] == [{"id": organisation.pk, "name": organisation.name, "role": "viewer"}]


def test_it_answers_an_unexpected_failure_with_the_error_body(api, scenario, monkeypatch, caplog):
    from planner.api.views import scenarios as views

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views.ScenarioSerializer, "to_representation", broken)
    response = api("owner").get(detail(scenario))
    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "code": "server_error",
        "detail": "Internal error; it has been logged.",
        "errors": {},
    }
    assert "database on fire" in caplog.text


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["hardware"][0].update(accelerator="h900"), "hardware[0].accelerator"),
        (lambda d: d["workloads"][0].update(model="nobody/nothing-7B"), "workloads[0].model"),
        (lambda d: d["site"].update(climate="mars-base"), "site.climate"),
        (lambda d: d["grid"].update(overrides={"colour_of_wires": 3.0}), "grid.overrides.colour_of_wires"),
        (lambda d: d["hardware"][0].update(tensor_parallel=1, weight_precision="bf16"), "hardware[0].tensor_parallel"),
    ],
)
def test_it_names_what_cannot_be_computed_before_saving(api, organisation, small_inputs, change, path):
    document = copy.deepcopy(small_inputs)
    change(document)
    parse_scenario(document)  # valid for the schema: only the catalogs and the engine refuse it
    response = api("owner").post(LIST, {"organisation": organisation.pk, "inputs": document}, format="json")
    assert response.status_code == 400
    assert path in response.json()["errors"]
    assert not Scenario.objects.exists()
