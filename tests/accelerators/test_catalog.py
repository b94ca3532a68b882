"""Catalogs: every figure sourced, every slug / HF id of issue 3 resolves, dense and sparse peaks apart."""

import dataclasses

import pytest
import yaml

from accelerators.catalog import (
    DATA_DIR,
    CatalogError,
    get_accelerator,
    get_model,
    list_accelerators,
    list_models,
)

ISSUE_SLUGS = [
    "a100-sxm",
    "h100-sxm",
    "h200",
    "b200",
    "gb200",
    "l40s",
    "mi300x",
    "mi325x",
    "gaudi3",
    "tpu-v5e",
    "tpu-v6e",
    "groq-lpu",
    "alveo-v80",
]
ISSUE_MODEL_IDS = {
    "meta-llama/Llama-3.1-8B-Instruct": "llama-3.1-8b",
    "meta-llama/Llama-3.1-70B-Instruct": "llama-3.1-70b",
    "meta-llama/Llama-3.1-405B-Instruct": "llama-3.1-405b",
    "meta-llama/Llama-3.3-70B-Instruct": "llama-3.3-70b",
    "meta-llama/Llama-4-Scout-17B-16E-Instruct": "llama-4-scout",
    "meta-llama/Llama-4-Maverick-17B-128E-Instruct": "llama-4-maverick",
    "Qwen/Qwen3-8B": "qwen3-8b",
    "Qwen/Qwen3-14B": "qwen3-14b",
    "Qwen/Qwen3-32B": "qwen3-32b",
    "Qwen/Qwen3-30B-A3B-Instruct-2507": "qwen3-30b-a3b",
    "Qwen/Qwen3-235B-A22B-Instruct-2507": "qwen3-235b-a22b",
    "Qwen/Qwen3-235B-A22B-Thinking-2507": "qwen3-235b-a22b",
    "deepseek-ai/DeepSeek-V3.1": "deepseek-v3",
    "google/gemma-3-12b-it": "gemma-3-12b",
    "google/gemma-3-27b-it": "gemma-3-27b",
    "openai/gpt-oss-20b": "gpt-oss-20b",
    "openai/gpt-oss-120b": "gpt-oss-120b",
    "microsoft/bitnet-b1.58-2B-4T": "bitnet-b1.58-2b4t",
}
EXAMPLE_MODEL = {  # the model file of issue 3, keys exactly
    "name": "Example MoE",
    "total_params": 2.35e11,
    "active_params": 2.2e10,
    "layers": 94,
    "hidden_size": 4096,
    "attention_heads": 64,
    "kv_heads": 4,
    "head_dim": 128,
    "ffn_size": 12288,
    "vocab_size": 151936,
    "experts": 128,
    "experts_per_token": 8,
    "shared_experts": 0,
    "expert_ffn_size": 1536,
    "dense_layers": 0,
    "attention": "gqa",
    "kv_latent_size": 512,
    "rope_head_dim": 64,
    "sliding_window": 1024,
    "sliding_window_layers": 40,
    "weight_precision": "bf16",
}


def test_it_has_every_issue_slug_plus_one_more_asic_or_fpga():
    slugs = {a.slug for a in list_accelerators()}
    assert set(ISSUE_SLUGS) <= slugs
    extra = [a for a in list_accelerators() if a.slug not in ISSUE_SLUGS]
    assert any(a.kind in ("asic", "fpga") for a in extra)


@pytest.mark.parametrize("slug", ISSUE_SLUGS)
def test_it_resolves_slugs_case_insensitively(slug):
    assert get_accelerator(slug.upper()).slug == slug


def test_it_gives_every_figure_a_source_and_unit():
    data = yaml.safe_load((DATA_DIR / "accelerators.yaml").read_text())
    for slug, entry in data["accelerators"].items():
        for key, fig in entry.items():
            if key in ("name", "kind"):
                continue
            assert fig.get("source") in data["sources"], f"{slug}.{key} lacks a known source"
            assert "unit" in fig, f"{slug}.{key} lacks a unit"
            if fig.get("assumption"):
                assert fig.get("reason"), f"{slug}.{key} is an assumption without a reason"
    for spec in list_accelerators():
        assert {"peak_dense", "memory", "memory_bandwidth", "power_limit", "idle_power"} <= set(spec.sources)


def test_it_keeps_dense_and_sparse_peaks_apart():
    for spec in list_accelerators():
        for dtype, sparse in spec.peak_sparse_flops_per_s.items():
            dense = spec.peak_dense_flops_per_s[dtype]
            assert sparse == pytest.approx(2 * dense, rel=0.02), (spec.slug, dtype)
        if spec.sparse_2_4:
            assert spec.peak_sparse_flops_per_s, spec.slug
    # NVIDIA H100 SXM datasheet: 989 dense / 1,979 sparse bf16 TFLOP/s
    h100 = get_accelerator("h100-sxm")
    assert h100.peak_dense_flops_per_s["bf16"] == pytest.approx(989.4e12)
    assert h100.peak_sparse_flops_per_s["bf16"] == pytest.approx(1978.9e12)


def test_it_reads_host_power_of_an_h100_node_from_measurement():
    # Latif et al., IEEE Access 13 (2025), arXiv 2412.08602: an 8 × H100 HGX node peaked at
    # 8.4 kW with GPUs near full use → (8.4 − 8 × 0.7) kW / 8 = 350 W of host per GPU, below
    # the DGX nameplate share (10.2 − 5.6) kW / 8 = 575 W.
    host_w = get_accelerator("h100-sxm").host_power_w_per_device
    assert host_w == pytest.approx(350.0)
    assert host_w < (10_200 - 8 * 700) / 8


def test_it_has_at_least_twelve_models_dense_and_moe():
    models = list_models()
    assert len(models) >= 12
    assert any(m.is_moe for m in models) and any(not m.is_moe for m in models)
    assert any(m.attention == "mla" for m in models) and any(m.sliding_window_layers for m in models)
    assert all(m.source for m in models)


@pytest.mark.parametrize(("hf_id", "slug"), ISSUE_MODEL_IDS.items())
def test_it_resolves_hugging_face_ids_and_variants(hf_id, slug):
    assert get_model(hf_id).slug == slug
    assert get_model(hf_id.lower()).slug == slug
    assert get_model(slug).slug == slug


def test_it_reads_fp8_repackagings_as_fp8_weights():
    assert get_model("meta-llama/Llama-3.1-405B-Instruct-FP8").weight_precision == "fp8"
    assert get_model("meta-llama/Llama-3.1-405B-Instruct").weight_precision == "bf16"


def test_it_matches_published_configs():
    # HF config.json values: Llama-3.1-8B 32 layers, 8 KV heads, FFN 14336; DeepSeek-V3 kv_lora_rank 512
    m = get_model("meta-llama/Llama-3.1-8B-Instruct")
    assert (m.layers, m.kv_heads, m.ffn_size, m.vocab_size) == (32, 8, 14336, 128256)
    d = get_model("deepseek-ai/DeepSeek-V3")
    assert (d.attention, d.kv_latent_size, d.experts, d.experts_per_token, d.dense_layers) == ("mla", 512, 256, 8, 3)


def test_it_accepts_the_issue_model_schema():
    spec = get_model(EXAMPLE_MODEL)
    assert spec.experts == 128 and spec.expert_ffn_size == 1536 and spec.sliding_window_layers == 40


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"layers": -1}, "layers"),
        ({"kv_heads": 5}, "kv_heads"),
        ({"experts_per_token": 0}, "experts_per_token"),
        ({"attention": "linear"}, "attention"),
        ({"weight_precision": "fp3"}, "weight_precision"),
        ({"active_params": 3e11}, "active_params"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_it_names_the_bad_field(change, field):
    with pytest.raises(CatalogError, match=field):
        get_model(EXAMPLE_MODEL | change)


def test_it_names_a_missing_field():
    bad = dict(EXAMPLE_MODEL)
    del bad["hidden_size"]
    with pytest.raises(CatalogError, match="hidden_size"):
        get_model(bad)


def test_it_suggests_close_matches_for_unknown_refs():
    with pytest.raises(CatalogError, match="h100-sxm"):
        get_accelerator("h100")
    with pytest.raises(CatalogError, match="unknown model"):
        get_model("acme/NotAModel-7B")


def test_it_rejects_a_user_accelerator_without_sources():
    data = yaml.safe_load((DATA_DIR / "accelerators.yaml").read_text())["accelerators"]["h100-sxm"]
    entry = {**data, "slug": "my-gpu", "memory": {"value": 80, "unit": "GB"}}
    with pytest.raises(CatalogError, match="memory"):
        get_accelerator(entry)
    ok = get_accelerator({**data, "slug": "my-gpu"})
    assert dataclasses.replace(ok, slug="h100-sxm").memory_bytes == get_accelerator("h100-sxm").memory_bytes


def test_it_round_trips_a_stored_spec_through_a_flat_dict():
    # the database stores dataclasses.asdict(spec); reading it back gives the same spec
    spec = get_accelerator("b200")
    again = get_accelerator(dataclasses.asdict(spec))
    assert again == spec
    model = get_model("deepseek-v3")
    assert get_model(dataclasses.asdict(model)) == model


def test_it_names_the_bad_field_of_a_flat_accelerator():
    flat = dataclasses.asdict(get_accelerator("h100-sxm"))
    with pytest.raises(CatalogError, match="memory_bandwidth_bytes_per_s"):
        get_accelerator(flat | {"memory_bandwidth_bytes_per_s": -1})
    with pytest.raises(CatalogError, match="idle_power_w"):
        get_accelerator(flat | {"idle_power_w": 900.0})
