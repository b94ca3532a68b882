"""Efficiency levers: each variant changes only its own lever, and picks what the rule says."""

from __future__ import annotations

import copy
import math

import pytest

from accelerators.catalog import get_model, list_models
from planner.engine.levers import LEVERS, lever_variants
from planner.engine.schema import parse_scenario
from planner.scenarios.compare import flatten

OWN_FIELDS = {
    "moe": (".model",),
    "pruning": (".sparsity",),
    "quantization": (".weight_precision", ".kv_precision"),
    "power_limit": (".power_limit_w",),
    "specialised": (".accelerator", ".tensor_parallel", ".pipeline_parallel"),
}


def _changed(before: dict, after: dict) -> set[str]:
    a, b = flatten(before), flatten(after)
    return {path for path in set(a) | set(b) if a.get(path) != b.get(path)}


def test_it_changes_only_the_lever_it_applies(example_inputs):
    spec = parse_scenario(example_inputs)
    variants = lever_variants(spec)
    assert [v.lever for v in variants] == list(LEVERS)
    for variant in variants:
        changed = _changed(spec.model_dump(mode="json"), variant.spec.model_dump(mode="json")) - {"name"}
        assert changed, variant.lever
        assert all(path.endswith(OWN_FIELDS[variant.lever]) for path in changed), (variant.lever, changed)


def test_it_swaps_a_dense_model_for_the_moe_of_nearest_total_size(example_inputs):
    spec = parse_scenario(example_inputs)
    moe = next(v for v in lever_variants(spec) if v.lever == "moe")
    moe_models = [m for m in list_models() if m.is_moe]
    for before, after in zip(spec.workloads, moe.spec.workloads, strict=True):
        dense = get_model(before.model)
        expected = min(moe_models, key=lambda m: abs(math.log(m.total_params / dense.total_params)))
        assert get_model(after.model).slug == expected.slug
        assert get_model(after.model).is_moe


@pytest.mark.parametrize(
    ("accelerator", "sparsity", "applicable"),
    [("h100-sxm", "2:4", True), ("alveo-v80", "unstructured:0.5", True), ("gaudi3", "none", False)],
)
def test_it_prunes_only_where_the_device_exploits_sparsity(example_inputs, accelerator, sparsity, applicable):
    document = {**example_inputs, "hardware": [{**example_inputs["hardware"][0], "accelerator": accelerator}]}
    pruning = next(v for v in lever_variants(parse_scenario(document)) if v.lever == "pruning")
    assert pruning.applicable is applicable
    assert pruning.spec.hardware[0].sparsity == sparsity


def test_it_quantizes_weights_to_four_bits_and_keeps_a_narrow_kv_cache(example_inputs):
    pool = {**example_inputs["hardware"][0], "weight_precision": "fp8", "kv_precision": "fp8"}
    spec = parse_scenario({**example_inputs, "hardware": [pool]})
    quantized = next(v for v in lever_variants(spec) if v.lever == "quantization").spec.hardware[0]
    assert (quantized.weight_precision, quantized.kv_precision) == ("int4", "fp8")
    already = parse_scenario({**example_inputs, "hardware": [{**pool, "weight_precision": "int4"}]})
    assert next(v for v in lever_variants(already) if v.lever == "quantization").applicable is False


def test_the_moe_lever_pays_for_every_expert_byte_on_a_multi_device_pool(example_inputs):
    # Ashburn: H100 pools at tensor parallel 4. With expert bytes divided by the device count twice
    # (issue 14) the MoE variant came out at 22.05 MW against 39.89 (-45 %); read once per replica
    # it was 24.6 MW (-38 %) with the same constants, and 28.6 against 52.4 MW (-45 %) after the
    # recalibration with FP8 kernels (docs/engine.md). The exact byte count is tests/accelerators/test_moe_bytes.py;
    # here: the lever saves, but not an order of magnitude.
    from planner.engine.runner import run_scenario

    spec = parse_scenario(example_inputs)
    moe = next(v for v in lever_variants(spec) if v.lever == "moe")
    base_mw = run_scenario(spec).summary["peak_facility_power_mw"]
    moe_mw = run_scenario(moe.spec).summary["peak_facility_power_mw"]
    assert 0.5 < moe_mw / base_mw < 0.9


def test_the_power_limit_lever_caps_gpus_as_mlperf_maxq_does(example_inputs):
    from accelerators.catalog import get_accelerator

    spec = parse_scenario(example_inputs)
    capped = next(v for v in lever_variants(spec) if v.lever == "power_limit")
    for before, after in zip(spec.hardware, capped.spec.hardware, strict=True):
        board = get_accelerator(before.accelerator).power_limit_w
        assert after.power_limit_w == round(0.643 * board)  # H100 SXM: 450 of 700 W (MLPerf v4.0 MaxQ)
    already = copy.deepcopy(example_inputs)
    already["hardware"][0]["power_limit_w"] = 500
    assert next(v for v in lever_variants(parse_scenario(already)) if v.lever == "power_limit").applicable is False


def test_the_specialised_lever_picks_the_most_efficient_purchasable_device_of_another_class(example_inputs):
    from accelerators.catalog import get_accelerator, list_accelerators
    from planner.engine.levers import best_specialised_device, demand_weighted_energy_j

    spec = parse_scenario(example_inputs)
    variant = next(v for v in lever_variants(spec) if v.lever == "specialised")
    assert variant.applicable and variant.uncertainty and variant.uncertainty["p10"] < 1 < variant.uncertainty["p90"]
    document = spec.model_dump(mode="json")
    pool = document["hardware"][0]
    device, _, joules = best_specialised_device(document, pool)
    assert device.kind != get_accelerator(pool["accelerator"]).kind
    assert device.purchasable, "an operator cannot install a cloud-only part (TPU, Inferentia) in its own site"
    assert variant.spec.hardware[0].accelerator == device.slug
    buyable = [d for d in list_accelerators() if d.kind != "gpu" and d.purchasable]
    others = [demand_weighted_energy_j(document, pool, d) for d in buyable]
    served = [got[0] for got in others if got is not None]
    assert len(served) >= 2 and min(served) == pytest.approx(joules)


def test_cloud_only_parts_are_marked_with_a_source_and_never_proposed():
    from accelerators.catalog import get_accelerator, list_accelerators

    cloud_only = {d.slug for d in list_accelerators() if not d.purchasable}
    # Google sells TPUs and AWS Inferentia only as cloud instances (their product pages, 2024).
    assert {"tpu-v5e", "tpu-v6e", "inferentia2"} <= cloud_only
    assert all("availability" in get_accelerator(slug).sources for slug in cloud_only)
    assert {"h100-sxm", "groq-lpu", "alveo-v80", "mi300x"}.isdisjoint(cloud_only)
