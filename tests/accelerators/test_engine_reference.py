"""The engine's results are pinned: a fixed grid of estimates and power curves must reproduce the values
stored in engine_reference.json to 1e-9 relative (performance work may not change any figure).

The fixture was generated from the pre-optimisation engine (commit 86cdbeb, "Merge h-engine (efficiency
engine v2)") with:

    .venv/bin/python tests/accelerators/test_engine_reference.py --write

Regenerate it only for a deliberate change of the physics or the data (and say so in the commit);
a performance change must pass against the stored values as they are.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable as a script for --write

from accelerators.catalog import get_accelerator
from accelerators.efficiency import EstimateError, estimate, power_curve
from accelerators.efficiency.engine import clear_setup_cache

FIXTURE = Path(__file__).with_name("engine_reference.json")
REL = 1e-9

L8, L70, L405 = "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-405b"
QWEN_MOE, DSV3, GEMMA, SCOUT, GPTOSS = (
    "Qwen/Qwen3-30B-A3B",
    "deepseek-v3",
    "gemma-3-27b",
    "llama-4-scout",
    "gpt-oss-120b",
)

# (model, accelerator, devices, extra request fields): batch / targets / precision / stack / limit / split / sparsity
ESTIMATES: list[tuple[str, str, int, dict]] = [
    (L8, "h100-sxm", 1, {"batch": 1}),
    (L8, "h100-sxm", 1, {"batch": 8}),
    (L8, "h100-sxm", 1, {"batch": 64}),
    (L8, "h100-sxm", 1, {"batch": 256}),
    (L8, "h100-sxm", 1, {}),
    (L8, "h100-sxm", 1, {"tpot_target_s": 0.05}),
    (L8, "h100-sxm", 1, {"tpot_target_s": 0.012}),
    (L8, "h100-sxm", 1, {"tpot_target_s": 0.0001}),  # unreachable: the error is pinned too
    (L8, "h100-sxm", 1, {"batch": 4000}),  # beyond memory: a warning
    (L8, "a100-sxm", 1, {"batch": 32, "weight_precision": "int4"}),
    (L8, "a100-sxm", 2, {"batch": 16, "sparsity": "2:4"}),
    (L8, "l40s", 1, {"batch": 16, "weight_precision": "fp8", "kv_precision": "fp8"}),
    (L8, "h100-sxm", 1, {"batch": 16, "sparsity": "unstructured:0.5"}),
    (L8, "h100-sxm", 1, {"batch": 32, "input_tokens": 2000, "output_tokens": 100}),
    (L70, "h100-sxm", 2, {"batch": 1, "weight_precision": "fp8"}),
    (L70, "h100-sxm", 2, {"batch": 64, "weight_precision": "fp8"}),
    (L70, "h100-sxm", 2, {"weight_precision": "fp8", "tpot_target_s": 0.05}),
    (L70, "h100-sxm", 2, {"batch": 64, "weight_precision": "fp8", "serving_stack": "tensorrt-llm"}),
    (L70, "h100-sxm", 2, {"batch": 64, "weight_precision": "fp8", "power_limit_w": 450}),
    (L70, "h100-sxm", 2, {"batch": 512, "weight_precision": "fp8", "power_limit_w": 300}),
    (L70, "h100-sxm", 2, {"batch": 64, "weight_precision": "fp8", "power_limit_w": 900}),  # above the board limit
    (L70, "h100-sxm", 4, {"tpot_target_s": 0.03, "serving_stack": "tensorrt-llm", "power_limit_w": 450}),
    (L70, "h100-sxm", 4, {"batch": 32, "tensor_parallel": 2, "pipeline_parallel": 2}),
    (L70, "a100-sxm", 4, {"batch": 8, "power_limit_w": 175}),
    (L70, "b200", 1, {"batch": 128, "weight_precision": "fp8"}),
    (L70, "mi300x", 1, {"batch": 64}),
    (L70, "mi300x", 2, {"tpot_target_s": 0.04, "serving_stack": "tensorrt-llm"}),  # stack on a foreign vendor
    (L70, "gaudi3", 2, {"batch": 32}),
    (L70, "tpu-v6e", 8, {"batch": 32, "weight_precision": "int8"}),
    (L70, "groq-lpu", 576, {"batch": 16, "weight_precision": "int8"}),
    (L70, "groq-lpu", 576, {"weight_precision": "int8", "tpot_target_s": 0.01}),
    (L70, "alveo-v80", 8, {"batch": 8, "weight_precision": "int4"}),
    (L70, "inferentia2", 8, {"batch": 16}),
    (L405, "h200", 8, {"batch": 32, "weight_precision": "fp8"}),
    (L405, "gb200", 4, {"tpot_target_s": 0.05, "weight_precision": "fp8", "kv_precision": "fp8"}),
    (QWEN_MOE, "h100-sxm", 1, {"batch": 1}),
    (QWEN_MOE, "h100-sxm", 1, {"batch": 128}),
    (QWEN_MOE, "h100-sxm", 2, {"batch": 64, "expert_parallel": 2}),
    (QWEN_MOE, "h100-sxm", 8, {"batch": 256, "expert_parallel": 8, "weight_precision": "fp8"}),
    (QWEN_MOE, "h100-sxm", 8, {"tpot_target_s": 0.04, "expert_parallel": 4}),
    (QWEN_MOE, "mi325x", 1, {"batch": 32, "power_limit_w": 600}),
    (DSV3, "h200", 8, {"batch": 64}),
    (DSV3, "b200", 8, {"batch": 128, "expert_parallel": 8, "weight_precision": "fp8", "kv_precision": "fp8"}),
    (GEMMA, "h100-sxm", 1, {"batch": 16, "input_tokens": 4000, "output_tokens": 500}),
    (GEMMA, "tpu-v5e", 4, {"batch": 16}),
    (SCOUT, "h100-sxm", 4, {"batch": 32, "input_tokens": 20000, "output_tokens": 1000}),
    (SCOUT, "h100-sxm", 4, {"tpot_target_s": 0.03, "input_tokens": 12000}),
    (GPTOSS, "h100-sxm", 1, {"batch": 32}),
    (GPTOSS, "b200", 1, {"batch": 64, "power_limit_w": 700}),
    ("gpt-oss-20b", "l40s", 1, {"batch": 8}),
    ("bitnet-b1.58-2b4t", "alveo-v80", 1, {"batch": 8}),
    ("qwen3-8b", "h100-sxm", 1, {"batch": 16, "weight_precision": "int8", "kv_precision": "int4"}),
    (L8, "h100-sxm", 3, {"batch": 4, "tensor_parallel": 3}),  # refused: 3 does not divide the heads
    (L8, "h100-sxm", 1, {"batch": 4, "power_limit_w": 50}),  # refused: at or below idle
]

# (model, accelerator, devices, extra): power curves as the facility stage and the checks ask for them
CURVES: list[tuple[str, str, int, dict]] = [
    (L8, "h100-sxm", 1, {}),
    (L70, "h100-sxm", 4, {"weight_precision": "fp8", "tpot_target_s": 0.05}),
    (L70, "h100-sxm", 4, {"tpot_target_s": 0.05, "ttft_target_s": 1.0, "ttft_input_tokens": 3000}),
    (L70, "h100-sxm", 2, {"weight_precision": "fp8", "power_limit_w": 450, "serving_stack": "tensorrt-llm"}),
    (L70, "h100-sxm", 2, {"weight_precision": "fp8", "tpot_target_s": 0.001}),  # unreachable
    (L70, "h100-sxm", 2, {"weight_precision": "fp8", "ttft_target_s": 0.001}),  # unreachable prefill
    (QWEN_MOE, "b200", 2, {"tpot_target_s": 0.04, "expert_parallel": 2}),
    (SCOUT, "mi300x", 2, {"input_tokens": 8000, "ttft_target_s": 2.0}),
    (L70, "groq-lpu", 576, {"weight_precision": "int8"}),
]


def _case_id(model: str, acc: str, devices: int, extra: dict) -> str:
    return f"{model}|{acc}|{devices}|" + ",".join(f"{k}={v}" for k, v in sorted(extra.items()))


def _with_kernels(case: tuple) -> bool:
    """The per-kernel breakdown is pinned for every 4th estimate (keeps the fixture small)."""
    return ESTIMATES.index(case) % 4 == 0


def compute_estimate(model: str, acc: str, devices: int, extra: dict) -> dict:
    try:
        out = estimate(model=model, accelerator=acc, devices=devices, **extra).to_dict()
    except EstimateError as exc:
        return {"error": str(exc)}
    if not _with_kernels((model, acc, devices, extra)):
        out["kernels"] = len(out["kernels"])
    return out


def compute_curve(model: str, acc: str, devices: int, extra: dict) -> dict:
    try:
        return power_curve(model=model, accelerator=acc, devices=devices, **extra).to_dict()
    except EstimateError as exc:
        return {"error": str(exc)}


def _assert_same(got: object, want: object, path: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{path}: keys {sorted(got)} ≠ {sorted(want)}"
        for k in want:
            _assert_same(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list | tuple) and len(got) == len(want), f"{path}: length differs"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_same(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, int | float), f"{path}: {got!r} is not a number"
        assert math.isclose(got, want, rel_tol=REL, abs_tol=0.0) or got == want, f"{path}: {got!r} ≠ {want!r}"
    else:
        assert got == want, f"{path}: {got!r} ≠ {want!r}"


def _roundtrip(value: dict) -> dict:
    return json.loads(json.dumps(value))  # tuples → lists, numpy scalars → numbers, as stored


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(FIXTURE.read_text())


@pytest.mark.parametrize("case", ESTIMATES, ids=[_case_id(*c) for c in ESTIMATES])
def test_estimate_matches_the_pre_optimisation_engine(reference, case):
    want = reference["estimates"][_case_id(*case)]
    _assert_same(_roundtrip(compute_estimate(*case)), want, _case_id(*case))


@pytest.mark.parametrize("case", CURVES, ids=[_case_id(*c) for c in CURVES])
def test_power_curve_matches_the_pre_optimisation_engine(reference, case):
    want = reference["curves"][_case_id(*case)]
    _assert_same(_roundtrip(compute_curve(*case)), want, _case_id(*case))


def test_the_fixture_covers_every_case_and_some_refusals(reference):
    assert set(reference["estimates"]) == {_case_id(*c) for c in ESTIMATES}
    assert set(reference["curves"]) == {_case_id(*c) for c in CURVES}
    errors = [v for v in reference["estimates"].values() if "error" in v]
    assert 3 <= len(errors) < len(ESTIMATES) // 4  # refusals pinned, but most cases are real estimates


def test_a_shared_setup_gives_exactly_what_a_fresh_one_gives():
    case = dict(model=L70, accelerator="h100-sxm", devices=2, weight_precision="fp8", power_limit_w=450)
    clear_setup_cache()
    cold = [estimate(**case, batch=b).to_dict() for b in (1, 64)] + [estimate(**case, tpot_target_s=0.04).to_dict()]
    warm = [estimate(**case, batch=b).to_dict() for b in (1, 64)] + [estimate(**case, tpot_target_s=0.04).to_dict()]
    assert cold == warm


def test_the_setup_cache_tells_apart_what_differs():
    estimate(model=L8, accelerator="h100-sxm", devices=1, batch=8)
    with pytest.raises(EstimateError, match="devices"):  # True == 1 in Python, but it is no device count
        estimate(model=L8, accelerator="h100-sxm", devices=True, batch=8)
    own = dataclasses.asdict(get_accelerator("h100-sxm"))
    same = estimate(model=L8, accelerator=dict(own), devices=1, batch=8)
    assert same.to_dict() == estimate(model=L8, accelerator="h100-sxm", devices=1, batch=8).to_dict()
    slower = estimate(
        model=L8, accelerator={**own, "memory_bandwidth_bytes_per_s": 2e12}, devices=1, batch=8
    )  # same slug, other figures: not taken for the catalog's device
    assert slower.time_per_output_token_s > same.time_per_output_token_s


def test_changing_a_result_does_not_change_the_next_one():
    first = estimate(model=L8, accelerator="h100-sxm", devices=1, batch=8)
    first.kernels[-1]["time_s"] = -1.0
    first.energy_split_by_phase_per_output_token_j["prefill"]["static"] = -1.0
    again = estimate(model=L8, accelerator="h100-sxm", devices=1, batch=8)
    assert again.kernels[-1]["time_s"] > 0 and again.energy_split_by_phase_per_output_token_j["prefill"]["static"] > 0


def _write() -> None:
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    data = {
        "_comment": f"generated by tests/accelerators/test_engine_reference.py --write at commit {commit} "
        "(pre-optimisation engine); see the module docstring",
        "estimates": {_case_id(*c): compute_estimate(*c) for c in ESTIMATES},
        "curves": {_case_id(*c): compute_curve(*c) for c in CURVES},
    }
    FIXTURE.write_text(json.dumps(data, indent=None, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size:,} bytes)")


if __name__ == "__main__" and "--write" in sys.argv:
    _write()
