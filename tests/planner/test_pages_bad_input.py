"""Hostile and broken input on the pages (issue 10): the JSON editor, the structured editor's
custom-object fields, search and slugs in URLs. Each is a 4xx with the reason on the page, never a 500."""

from __future__ import annotations

import copy
import html
import json

import pytest
from django.urls import reverse

from planner.scenarios.models import Scenario
from tests.planner.test_pages_editor import form_data

pytestmark = pytest.mark.django_db


def _json_editor(client, organisation, text: str):
    return client.post(reverse("scenario-create") + "?mode=json", {"organisation": organisation.pk, "document": text})


def _refused(response) -> str:
    assert response.status_code == 400, response.status_code
    assert not Scenario.objects.exists()
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 32 levels"),
        ('{"name": ' + "9" * 5001 + "}", "not a usable JSON document"),
        ('{"name": "a\\u0000b"}', "name: must not contain the NUL character"),
    ],
    ids=["deep", "5001-digits", "nul"],
)
def test_the_json_editor_refuses_unreadable_documents(client, owner, organisation, text, expected):
    client.force_login(owner)
    assert expected in _refused(_json_editor(client, organisation, text))


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (lambda d: d.update(name="Ashburn\x00chat"), "name", "NUL"),
        (lambda d: d.update(description="x\x00"), "description", "NUL"),
        (lambda d: d["workloads"][0].update(input_tokens=True), "workloads[0].input_tokens", "valid integer"),
        (lambda d: d["grid"].update(overrides={"carbon_intensity_g_per_kwh": 1e308}), "grid.overrides", "2,000"),
        (lambda d: d["grid"].update(uploads={"price": "424242"}), "grid.uploads.price", "no price upload #424242"),
    ],
    ids=["nul-name", "nul-description", "bool-int", "carbon-1e308", "missing-upload"],
)
def test_the_json_editor_names_the_field(client, owner, organisation, small_inputs, change, field, expected):
    client.force_login(owner)
    document = copy.deepcopy(small_inputs)
    change(document)
    page = _refused(_json_editor(client, organisation, json.dumps(document)))
    assert field in page and expected in page


def test_the_custom_model_field_refuses_deep_nesting(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["workloads-0-model"] = "__custom__"
    data["workloads-0-model_custom"] = '{"a":' * 100_000 + "1" + "}" * 100_000
    assert "custom model: nested deeper than 32 levels" in _refused(client.post(reverse("scenario-create"), data))


def test_the_token_distribution_field_refuses_1e308(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["workloads-0-input_tokens"] = ""
    data["workloads-0-input_tokens_distribution"] = '{"tokens": [1e308], "weights": [1e308]}'
    page = _refused(client.post(reverse("scenario-create"), data))
    assert "2000000" in page.replace(",", "") or "less than or equal" in page


def test_the_structured_editor_refuses_a_nul_in_the_name(client, owner, organisation, small_inputs):
    client.force_login(owner)
    data = form_data(small_inputs, organisation)
    data["name"] = "Ash\x00burn"
    assert "Null characters are not allowed" in _refused(client.post(reverse("scenario-create"), data))


@pytest.mark.parametrize(
    "path",
    ["/catalog/accelerators%00/", "/runs/?x=%00", "/scenarios/1%0A/", "/uploads/%00/"],
)
def test_pages_answer_nul_and_newlines_without_a_500(client, owner, path):
    client.force_login(owner)
    assert client.get(path).status_code in (400, 404)
