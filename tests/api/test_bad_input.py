"""Hostile and broken input to the API: every case is a 4xx with the one error body naming the
field (planner.api.errors), never a 500. Cases from issue 10 ("Bad input")."""

from __future__ import annotations

import copy
import json

import pytest

pytestmark = pytest.mark.django_db
LIST = "/api/v1/scenarios/"
ERROR_KEYS = {"status", "code", "detail", "errors"}


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _post_raw(client, path: str, body: str | bytes):
    return client.generic("POST", path, body, content_type="application/json")


def _error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == status
    return body


def test_it_refuses_json_nested_100000_deep(api, organisation):
    text = f'{{"organisation": {organisation.pk}, "inputs": {_deep(100_000)}}}'
    body = _error(_post_raw(api("owner"), LIST, text), 400)
    assert "nested deeper than 32 levels" in json.dumps(body)


def test_it_refuses_a_custom_model_nested_too_deep(api, organisation, small_inputs):
    inputs = copy.deepcopy(small_inputs)
    inputs["workloads"][0]["model"] = json.loads('{"a":' * 40 + "1" + "}" * 40)
    body = _error(api("owner").post(LIST, {"organisation": organisation.pk, "inputs": inputs}, format="json"), 400)
    assert any(
        path.startswith("inputs.workloads[0].model") or path.startswith("workloads[0].model") for path in body["errors"]
    ), body


def test_it_refuses_a_5001_digit_integer(api, organisation):
    text = f'{{"organisation": {organisation.pk}, "inputs": {{"name": {"9" * 5001}}}}}'
    body = _error(_post_raw(api("owner"), LIST, text), 400)
    assert body["errors"]


def test_it_refuses_a_25_digit_integer_naming_the_field(api, organisation, small_inputs):
    inputs = copy.deepcopy(small_inputs)
    inputs["workloads"][0]["input_tokens"] = 10**25
    body = _error(api("owner").post(LIST, {"organisation": organisation.pk, "inputs": inputs}, format="json"), 400)
    assert "inputs.workloads[0].input_tokens" in body["errors"] or "workloads[0].input_tokens" in body["errors"]


@pytest.mark.parametrize("where", ["name", "description"])
def test_it_refuses_nul_in_names_and_descriptions(api, organisation, small_inputs, where):
    inputs = copy.deepcopy(small_inputs)
    inputs[where] = "Ashburn\x00chat"
    body = _error(api("owner").post(LIST, {"organisation": organisation.pk, "inputs": inputs}, format="json"), 400)
    assert any(where in path for path in body["errors"]), body
    assert "NUL" in json.dumps(body)


def test_it_refuses_nul_in_a_search(api, organisation):
    body = _error(api("owner").get(LIST + "?search=a%00b"), 400)
    assert body["errors"] == {"search": ["must not contain the NUL character (%00)"]}
    _error(api("owner").get("/api/v1/accelerators/?search=%00"), 400)


def test_it_answers_a_slug_with_nul_with_a_json_404(api):
    body = _error(api("owner").get("/api/v1/accelerators/h100%00/"), 404)
    assert body["code"] == "not_found"


def test_it_answers_a_path_with_a_newline_with_a_json_404(api):
    _error(api("owner").get("/api/v1/scenarios%0A/"), 404)
    _error(api("owner").get("/api/v1/nothing/%0A"), 404)


def test_it_refuses_a_body_over_the_upload_limit_with_413(api, organisation, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    text = json.dumps({"organisation": organisation.pk, "inputs": {"name": "x" * 20_000}})
    body = _error(_post_raw(api("owner"), LIST, text), 413)
    assert body["code"] == "too_large" and "10,000 bytes" in body["detail"]


def test_it_refuses_1e308_token_distributions(api, organisation, small_inputs):
    inputs = copy.deepcopy(small_inputs)
    inputs["workloads"][0].pop("input_tokens", None)
    inputs["workloads"][0]["input_tokens_distribution"] = {"tokens": [1e308], "weights": [1e308]}
    body = _error(api("owner").post(LIST, {"organisation": organisation.pk, "inputs": inputs}, format="json"), 400)
    assert any("input_tokens_distribution" in path for path in body["errors"]), body


def test_it_refuses_a_boolean_where_a_number_is_due(api, organisation, small_inputs):
    inputs = copy.deepcopy(small_inputs)
    inputs["workloads"][0]["input_tokens"] = True
    body = _error(api("owner").post(LIST, {"organisation": organisation.pk, "inputs": inputs}, format="json"), 400)
    assert "inputs.workloads[0].input_tokens" in body["errors"] or "workloads[0].input_tokens" in body["errors"]


@pytest.mark.parametrize("catalog", ["accelerators", "models", "sites", "regions"])
def test_it_answers_options_on_catalog_detail_endpoints(api, catalog):
    slug = {"accelerators": "h100-sxm", "models": "x", "sites": "us-va-ashburn", "regions": "pjm-dominion"}[catalog]
    response = api("owner").options(f"/api/v1/{catalog}/{slug}/")
    assert response.status_code in (200, 404), response.content[:300]
    assert response.headers["Content-Type"].startswith("application/json")


def test_it_refuses_an_estimate_batch_above_the_maximum(api):
    body = _error(
        api("owner").post("/api/v1/estimate", {"model": "x", "accelerator": "y", "batch": 10**9}, format="json"),
        400,
    )
    assert "batch" in body["errors"]
