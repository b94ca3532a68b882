"""The structured scenario editor: it round-trips a document, and puts each schema error on the
field that holds the value (workloads[1].peak_requests_per_s → the second workload's rate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse

from planner.engine.schema import parse_scenario
from planner.scenarios import services
from planner.scenarios.forms import editor_forms
from planner.scenarios.models import Organisation, Scenario

pytestmark = pytest.mark.django_db
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def form_data(document: dict, organisation: Organisation) -> dict[str, str]:
    """What a browser posts for an unchanged editor filled from `document`."""
    editor = editor_forms(data=None, document=document, organisations=Organisation.objects.all())
    data: dict[str, str] = {}
    for formset in (editor.workloads, editor.hardware):
        management = formset.management_form
        data.update({management.add_prefix(name): str(management[name].value()) for name in management.fields})
    for form in [editor.main, *editor.workloads.forms, *editor.hardware.forms]:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif value is not None:
                data[form.add_prefix(name)] = str(value)
    data["organisation"] = str(organisation.pk)
    return data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_it_round_trips_every_example_through_the_form(client, owner, organisation, path):
    document = json.loads(path.read_text())
    client.force_login(owner)
    response = client.post(reverse("scenario-create"), form_data(document, organisation))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Scenario.objects.get().inputs == parse_scenario(document).model_dump(mode="json")


def test_it_starts_a_new_scenario_from_the_worked_example(client, owner):
    client.force_login(owner)
    page = client.get(reverse("scenario-create")).content.decode()
    for label in (
        "Peak request rate [requests/s]",
        "Rack power limit [kW per rack]",
        "Site power cap [MW at the meter]",
    ):
        assert label in page
    assert 'name="workloads-0-name" value="chat"' in page
    assert 'id="workloads-template"' in page and "__prefix__" in page


def test_it_puts_a_schema_error_on_the_field_that_holds_it(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["workloads-1-rate"] = "-3"
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 400
    editor = response.context["editor"]
    assert editor.workloads.forms[1].errors["rate"] == ["Input should be greater than 0"]
    summary = {entry.path: entry for entry in editor.summary}
    assert summary["workloads[1].peak_requests_per_s"].field_id == "id_workloads-1-rate"
    assert 'href="#id_workloads-1-rate"' in response.content.decode()
    assert not Scenario.objects.exists()


def test_it_puts_a_whole_section_error_under_its_heading(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["hardware-0-share_frac"] = "0.5"
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 400
    editor = response.context["editor"]
    assert editor.section_errors["hardware"] == ["share_frac values must add up to 1 (they add up to 0.5)"]
    assert 'href="#hardware-title"' in response.content.decode()


def test_it_maps_an_hour_of_the_daily_shape_to_its_input(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["workloads-0-daily_shape"] = "custom"
    data["workloads-0-we_5"] = "1.5"
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 400
    form = response.context["editor"].workloads.forms[0]
    assert form.errors["we_5"] == ["Input should be less than or equal to 1"]


def test_it_saves_custom_curves_counts_and_overrides(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["workloads-0-daily_shape"] = "custom"
    for hour in range(24):
        data[f"workloads-0-wd_{hour}"] = str(round(0.2 + 0.8 * (hour == 14), 2))
        data[f"workloads-0-we_{hour}"] = "0.3"
    data.update({"hardware-0-sizing": "count", "hardware-0-count": "64", "hardware-0-share_frac": ""})
    data.update({"hardware-0-sparsity_kind": "unstructured", "hardware-0-sparsity_frac": "0.5"})
    data["grid__overrides__energy_price_usd_per_mwh"] = "55"
    data["grid__overrides_extra"] = ""
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 302, response.context["editor"].summary
    inputs = Scenario.objects.get().inputs
    assert inputs["workloads"][0]["daily_shape"]["weekday"][14] == 1.0
    assert inputs["workloads"][0]["daily_shape"]["weekend"] == [0.3] * 24
    assert inputs["hardware"][0]["count"] == 64 and inputs["hardware"][0]["share_frac"] is None
    assert inputs["hardware"][0]["sparsity"] == "unstructured:0.5"
    assert inputs["grid"]["overrides"]["energy_price_usd_per_mwh"] == 55.0


def test_it_adds_and_removes_formset_rows(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["workloads-1-DELETE"] = "on"
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 302
    assert [w["name"] for w in Scenario.objects.get().inputs["workloads"]] == ["chat"]


def test_it_names_an_unknown_override_line(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["grid__overrides_extra"] = "capacity price = lots"
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 400
    assert "line 1" in response.context["editor"].main.errors["grid__overrides_extra"][0]


def test_it_keeps_the_json_editor_as_the_advanced_mode(client, owner, organisation, small_inputs):
    client.force_login(owner)
    page = client.get(reverse("scenario-create") + "?mode=json").content.decode()
    assert "Scenario (JSON, schema version 1)" in page
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    edited = {**small_inputs, "description": "edited as JSON"}
    response = client.post(
        reverse("scenario-edit", args=[scenario.pk]), {"organisation": organisation.pk, "document": json.dumps(edited)}
    )
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 2 and scenario.inputs["description"] == "edited as JSON"


def test_it_edits_through_the_form_as_a_new_version(client, teammate, owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    client.force_login(teammate)
    data = form_data(scenario.inputs, organisation)
    data["hardware-0-weight_precision"] = "int4"
    assert client.post(reverse("scenario-edit", args=[scenario.pk]), data).status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 2 and scenario.inputs["hardware"][0]["weight_precision"] == "int4"
    history = client.get(reverse("scenario-history", args=[scenario.pk])).content.decode()
    assert "hardware[0].weight_precision" in history and "int4" in history


def test_it_offers_the_organisations_own_accelerators_only_to_members(
    client, owner, outsider, organisation, other_organisation
):
    from accelerators.models import AcceleratorEntry

    AcceleratorEntry.objects.create(slug="our-fpga", name="Our FPGA card", data={}, organisation=organisation)
    AcceleratorEntry.objects.create(slug="their-asic", name="Their ASIC", data={}, organisation=other_organisation)
    client.force_login(owner)
    page = client.get(reverse("scenario-create")).content.decode()
    assert 'value="our-fpga"' in page and "their-asic" not in page


def test_it_round_trips_a_custom_model_architecture(client, owner, organisation, small_inputs):
    # A full architecture in the model-file schema (issue 3): incomplete ones are refused at save.
    custom = {
        "name": "Tiny research model",
        "total_params": 1.2e8,
        "active_params": 1.2e8,
        "layers": 4,
        "hidden_size": 512,
        "attention_heads": 8,
        "kv_heads": 8,
        "head_dim": 64,
        "ffn_size": 2048,
        "vocab_size": 32000,
    }
    document = {**small_inputs, "workloads": [{**small_inputs["workloads"][0], "model": custom}]}
    client.force_login(owner)
    data = form_data(document, organisation)
    assert data["workloads-0-model"] == "__custom__"
    assert client.post(reverse("scenario-create"), data).status_code == 302
    assert Scenario.objects.get().inputs["workloads"][0]["model"] == custom


def test_it_names_a_missing_architecture_field_on_the_form(client, owner, organisation, small_inputs):
    custom = {"name": "Half a model", "layers": 4, "hidden_size": 512, "attention_heads": 8}
    document = {**small_inputs, "workloads": [{**small_inputs["workloads"][0], "model": custom}]}
    client.force_login(owner)
    response = client.post(reverse("scenario-create"), form_data(document, organisation))
    assert response.status_code == 400
    assert "workloads[0].model" in response.content.decode()
    assert not Scenario.objects.exists()


def test_it_round_trips_token_distributions_and_names_a_bad_one(client, owner, organisation, small_inputs):
    workload = {**small_inputs["workloads"][0]}
    workload.pop("input_tokens")
    workload["input_tokens_distribution"] = {"tokens": [200, 800, 4000], "weights": [5, 4, 1]}
    document = {**small_inputs, "workloads": [workload]}
    client.force_login(owner)
    assert client.post(reverse("scenario-create"), form_data(document, organisation)).status_code == 302
    saved = Scenario.objects.get().inputs["workloads"][0]
    assert saved["input_tokens_distribution"] == {"tokens": [200, 800, 4000], "weights": [5.0, 4.0, 1.0]}
    assert saved["input_tokens"] == 820
    bad = form_data(document, organisation)
    bad["workloads-0-input_tokens_distribution"] = '{"tokens": [100, 300], "weights": [1]}'
    response = client.post(reverse("scenario-create"), bad)
    assert response.status_code == 400
    assert "tokens has 2 values but weights has 1" in response.content.decode()
