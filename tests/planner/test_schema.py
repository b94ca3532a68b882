"""Bad scenario input gives errors that name the field path; good input round-trips."""

import copy
import json

import pytest

from planner.engine.runner import input_hash
from planner.engine.schema import ScenarioError, parse_scenario


def _errors(document) -> dict[str, list[str]]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(document)
    return caught.value.errors


def test_it_accepts_every_example(example_inputs):
    spec = parse_scenario(example_inputs)
    assert spec.workloads[0].name == "chat"
    assert parse_scenario(spec.model_dump(mode="json")) == spec


def test_it_names_a_missing_field(example_inputs):
    document = copy.deepcopy(example_inputs)
    del document["workloads"][0]["model"]
    assert "workloads[0].model" in _errors(document)


def test_it_names_a_negative_rate(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][1]["peak_requests_per_s"] = -5
    assert _errors(document) == {"workloads[1].peak_requests_per_s": ["Input should be greater than 0"]}


def test_it_refuses_nan_and_infinity(example_inputs):
    document = json.loads(json.dumps(example_inputs))
    document["fleet"]["headroom_frac"] = float("nan")
    document["workloads"][0]["input_tokens"] = float("inf")
    errors = _errors(document)
    assert "fleet.headroom_frac" in errors
    assert "workloads[0].input_tokens" in errors


def test_it_refuses_absurd_values(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][0]["output_tokens"] = 10**9
    document["horizon"]["years"] = 40
    errors = _errors(document)
    assert "workloads[0].output_tokens" in errors
    assert "horizon.years" in errors


def test_it_refuses_wrong_types(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][0]["input_tokens"] = "many"
    document["hardware"] = {"not": "a list"}
    errors = _errors(document)
    assert "workloads[0].input_tokens" in errors
    assert "hardware" in errors


def test_it_refuses_unknown_keys_instead_of_ignoring_a_typo(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][0]["peak_request_per_s"] = 3
    assert "workloads[0].peak_request_per_s" in _errors(document)


def test_it_requires_shares_to_add_up_to_one(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["hardware"][0]["share_frac"] = 0.7
    errors = _errors(document)
    assert any("add up to 1" in message for message in errors["scenario"])


def test_it_names_a_short_daily_curve(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][0]["daily_shape"] = {"weekday": [1.0] * 24, "weekend": [0.5] * 23}
    assert list(_errors(document)) == ["workloads[0].daily_shape.weekend"]


def test_it_hashes_inputs_independently_of_key_order(example_inputs):
    reordered = dict(reversed(list(example_inputs.items())))
    assert input_hash(reordered) == input_hash(example_inputs)
    changed = copy.deepcopy(example_inputs)
    changed["workloads"][0]["input_tokens"] += 1
    assert input_hash(changed) != input_hash(example_inputs)


def test_it_refuses_a_future_schema_version(example_inputs):
    document = {**example_inputs, "schema_version": 2}
    assert "schema_version" in _errors(document)


def test_it_takes_the_mean_from_a_token_distribution(example_inputs):
    document = copy.deepcopy(example_inputs)
    workload = document["workloads"][0]
    workload.pop("input_tokens")
    workload["input_tokens_distribution"] = {"tokens": [200, 800, 4000], "weights": [5, 4, 1]}
    spec = parse_scenario(document)
    assert spec.workloads[0].input_tokens == 820  # (5·200 + 4·800 + 1·4000) / 10
    assert spec.workloads[0].input_tokens_distribution.percentile(0.95) == 4000
    assert spec.workloads[0].input_tokens_distribution.percentile(0.5) == 200  # half the weight is at 200
    assert spec.workloads[0].input_tokens_distribution.percentile(0.6) == 800
    assert parse_scenario(spec.model_dump(mode="json")) == spec  # stored form reads back the same


def test_it_refuses_a_mean_that_contradicts_its_distribution(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][0]["output_tokens_distribution"] = {"tokens": [100, 300], "weights": [1, 1]}
    document["workloads"][0]["output_tokens"] = 350
    errors = _errors(document)
    assert "output_tokens (350) must be the mean of output_tokens_distribution (200.0)" in errors["workloads[0]"][0]


def test_it_names_a_malformed_distribution(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][1]["input_tokens_distribution"] = {"tokens": [100, 300], "weights": [1, -1]}
    assert "workloads[1].input_tokens_distribution.weights[1]" in _errors(document)
