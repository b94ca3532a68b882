"""The editor's fields say what they hold: a cleared number is an error (never the worked example's
value), a new pool starts from the schema's defaults, a new scenario has no demo name, and engine
problems come back in the form's words (no CLI flags, no engine argument names)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from planner.scenarios.models import Scenario
from tests.planner.test_pages_editor import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("fleet__headroom_frac", "Spare capacity above the peak hour [fraction]"),
        ("workloads-0-tpot_target_ms", "Workload 1 › Time per output token target [ms]"),
        ("hardware-0-tensor_parallel", "Pool 1 › Devices per model replica (tensor parallel) [count]"),
        ("workloads-1-input_tokens", "Workload 2 › Input tokens per request [tokens]"),
    ],
)
def test_a_cleared_number_field_is_an_error_named_by_its_label(client, owner, organisation, small_inputs, field, label):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data[field] = ""
    response = client.post(reverse("scenario-create"), data)
    page = response.content.decode()
    assert response.status_code == 400 and not Scenario.objects.exists()
    assert f"<strong>{label}</strong>: Enter a value: a cleared field has no default here." in page


def test_an_optional_field_left_blank_means_what_its_help_says(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["site__power_cap_mw"] = ""
    data["fleet__rack_units_usable"] = ""
    assert client.post(reverse("scenario-create"), data).status_code == 302
    saved = Scenario.objects.get().inputs
    assert saved["site"]["power_cap_mw"] is None and saved["fleet"]["rack_units_usable"] is None
    page = client.get(reverse("scenario-create")).content.decode()
    assert "Optional. Blank: no cap" in page and "Optional. Blank: 40 U" in page


def test_a_new_pool_starts_from_the_schemas_defaults(client, owner):
    client.force_login(owner)
    page = client.get(reverse("scenario-create")).content.decode()
    template = page.split('id="hardware-template"', 1)[1].split("</template>", 1)[0]
    assert re.search(r'<option value="bf16" selected>', template.split("weight_precision", 1)[1])
    assert 'name="hardware-__prefix__-tensor_parallel" value="1"' in template
    assert 'name="hardware-__prefix__-devices_per_server" value="8"' in template
    workload = page.split('id="workloads-template"', 1)[1].split("</template>", 1)[0]
    assert 'name="workloads-__prefix__-tpot_target_ms" value="50.0"' in workload


def test_a_new_scenario_has_no_demo_name(client, owner, organisation, small_inputs):
    client.force_login(owner)
    page = client.get(reverse("scenario-create")).content.decode()
    name_input = re.search(r'<input[^>]*name="name"[^>]*>', page).group(0)
    assert small_inputs["name"] not in name_input and 'value="' not in name_input
    data = form_data(small_inputs, organisation)
    data["name"] = ""
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 400 and "Give the scenario a name." in response.content.decode()


def test_engine_problems_come_back_in_the_forms_words(client, owner, organisation, small_inputs):
    # Llama 3.1 70B in bf16 (≈141 GB) on one 80 GB H100 does not fit: the hint names tensor parallel.
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["hardware-0-tensor_parallel"] = "1"
    data["hardware-0-weight_precision"] = "bf16"
    data["workloads-1-tpot_target_ms"] = "0.01"  # the 8B model fits, but no batch is that fast
    page = client.post(reverse("scenario-create"), data).content.decode()
    assert re.search(r"try \d+ devices per model replica \(tensor parallel\)", page)
    assert "unreachable: even batch 1 takes" in page
    assert "--devices" not in page and "tpot_target_s" not in page


def test_the_clean_energy_contract_mix_is_edited_and_must_add_up_to_one(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data |= {"grid__clean_energy__solar_frac": "0.2", "grid__clean_energy__wind_frac": "0.3"}
    data["grid__clean_energy__firm_frac"] = "0.5"
    assert client.post(reverse("scenario-create"), data).status_code == 302
    mix = Scenario.objects.get().inputs["grid"]["clean_energy"]
    assert (mix["solar_frac"], mix["wind_frac"], mix["firm_frac"]) == (0.2, 0.3, 0.5)
    data["grid__clean_energy__firm_frac"] = "0.9"
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 400
    assert "solar_frac + wind_frac + firm_frac must add up to 1" in response.content.decode()
