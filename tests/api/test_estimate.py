"""POST /api/v1/estimate: the same engine and fields as `manage.py estimate`."""

import json

import pytest
from django.core.management import call_command

from accelerators.efficiency import estimate

pytestmark = pytest.mark.django_db
URL = "/api/v1/estimate"


def test_it_returns_what_the_command_prints(api, capsys):
    body = {
        "model": "meta-llama/Llama-3.1-8B-Instruct",
        "accelerator": "h100-sxm",
        "weight_precision": "fp8",
        "input_tokens": 800,
        "output_tokens": 200,
        "tpot_target_ms": 40,
    }
    response = api("viewer").post(URL, body, format="json")
    assert response.status_code == 200, response.json()
    call_command(
        "estimate",
        "--model=meta-llama/Llama-3.1-8B-Instruct",
        "--accelerator=h100-sxm",
        "--weight-precision=fp8",
        "--input-tokens=800",
        "--output-tokens=200",
        "--tpot-target-ms=40",
        "--json",
    )
    assert response.json() == json.loads(capsys.readouterr().out)


def test_it_matches_the_engine_called_directly(api):
    response = api("owner").post(URL, {"model": "llama-3.1-8b", "accelerator": "h100-sxm", "batch": 8}, format="json")
    direct = estimate(model="llama-3.1-8b", accelerator="h100-sxm", batch=8).to_dict()
    assert response.json() == json.loads(json.dumps(direct))
    assert response.json()["batch_size"] == 8


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "no-such-model", "accelerator": "h100-sxm"}, "model"),
        ({"model": "llama-3.1-8b", "accelerator": "no-such-chip"}, "accelerator"),
        ({"model": "llama-3.1-8b", "accelerator": "h100-sxm", "devices": 0}, "devices"),
        ({"model": "llama-3.1-8b", "accelerator": "h100-sxm", "weight_precision": "fp3"}, "weight_precision"),
        (
            {"model": "llama-3.1-8b", "accelerator": "h100-sxm", "tpot_target_s": 0.05, "tpot_target_ms": 50},
            "tpot_target_ms",
        ),
        ({"model": 7, "accelerator": "h100-sxm"}, "model"),
        ({"accelerator": "h100-sxm"}, "model"),
    ],
)
def test_it_names_the_bad_argument(api, body, field):
    response = api("owner").post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]


def test_it_needs_authentication(api):
    assert api(None).post(URL, {"model": "llama-3.1-8b", "accelerator": "h100-sxm"}, format="json").status_code == 401


def test_it_takes_the_engine_v2_fields_and_names_the_field_it_refuses(api):
    body = {
        "model": "meta-llama/Llama-3.1-70B-Instruct",
        "accelerator": "h100-sxm",
        "devices": 2,
        "weight_precision": "fp8",
        "serving_stack": "tensorrt-llm",
        "power_limit_w": 450,
        "tensor_parallel": 2,
    }
    response = api("viewer").post(URL, body, format="json")
    assert response.status_code == 200, response.json()
    d = response.json()
    assert d["serving_stack"] == "tensorrt-llm" and d["power_limit_w"] == 450
    assert d["parallelism"] == {"tensor": 2, "expert": 1, "pipeline": 1, "data": 1}
    assert d["serving_overhead_j"] > 0 and d["uncertainty"]["source"] == "h100-sxm"  # its own held-out band
    bad = api("viewer").post(URL, {**body, "devices": 3, "tensor_parallel": 3}, format="json")
    assert bad.status_code == 400 and "tensor_parallel" in json.dumps(bad.json())
