"""$/Mtok per workload: the TCO allocated by the device-seconds each workload holds, summing back to the TCO."""

import pytest

from grid.tco_allocation import AllocationError, allocate_tco
from planner.engine.runner import run_scenario
from planner.engine.schema import parse_scenario


def test_allocation_shares_by_device_seconds_and_sums_back():
    rows = allocate_tco(
        tco_usd_per_year=1_000_000.0,
        devices_by_workload={"chat": 300, "batch": 100},
        output_tokens_by_workload={"chat": 3e9, "batch": 4e9},
        input_tokens_by_workload={"chat": 6e9, "batch": 36e9},
    )
    chat, batch = rows
    assert chat.share_frac == pytest.approx(0.75) and batch.share_frac == pytest.approx(0.25)
    assert chat.usd_per_year + batch.usd_per_year == pytest.approx(1_000_000.0)
    assert chat.usd_per_million_output_tokens == pytest.approx(750_000 / 3e3)
    assert batch.usd_per_million_tokens == pytest.approx(250_000 / 40e3)  # input + output
    with pytest.raises(AllocationError, match=r"devices_by_workload\.chat"):
        allocate_tco(
            tco_usd_per_year=1.0,
            devices_by_workload={"chat": -1},
            output_tokens_by_workload={},
            input_tokens_by_workload={},
        )


@pytest.fixture(scope="module")
def result():
    spec = parse_scenario(
        {
            "name": "two workloads",
            "workloads": [
                {
                    "name": "chat",
                    "model": "meta-llama/Llama-3.1-8B-Instruct",
                    "peak_requests_per_s": 200,
                    "input_tokens": 800,
                    "output_tokens": 350,
                    "daily_shape": "office-hours",
                },
                {
                    "name": "summaries",
                    "model": "meta-llama/Llama-3.1-8B-Instruct",
                    "peak_requests_per_s": 50,
                    "input_tokens": 3000,
                    "output_tokens": 300,
                    "daily_shape": "flat",
                },
            ],
            "hardware": [{"name": "gpu", "accelerator": "h100-sxm", "share_frac": 1.0}],
        }
    )
    return run_scenario(spec)


def test_per_workload_costs_of_a_run_sum_back_to_its_tco(result):
    tco = result.summary["tco"]
    rows = tco["by_workload"]
    assert set(rows) == {"chat", "summaries"}
    assert sum(r["usd_per_year"] for r in rows.values()) == pytest.approx(tco["tco_usd_per_year"], rel=1e-12)
    assert sum(r["share_frac"] for r in rows.values()) == pytest.approx(1.0)
    # each workload's $/Mtok × its tokens gives its cost back, and the tokens add up to the run's
    for row in rows.values():
        assert row["usd_per_million_output_tokens"] * row["annual_output_tokens"] / 1e6 == pytest.approx(
            row["usd_per_year"]
        )
        tokens = row["annual_output_tokens"] + row["annual_input_tokens"]
        assert row["usd_per_million_tokens"] * tokens / 1e6 == pytest.approx(row["usd_per_year"])
    assert sum(r["annual_output_tokens"] for r in rows.values()) == pytest.approx(tco["annual_output_tokens"])
    assert sum(r["devices"] for r in rows.values()) <= sum(result.summary["devices"].values())
    assert "device-seconds" in tco["allocation_rule"]


def test_the_total_per_mtok_is_the_token_weighted_blend_of_the_workloads(result):
    tco = result.summary["tco"]
    rows = tco["by_workload"].values()
    blended = sum(r["usd_per_million_output_tokens"] * r["annual_output_tokens"] for r in rows) / sum(
        r["annual_output_tokens"] for r in rows
    )
    assert blended == pytest.approx(tco["usd_per_million_output_tokens"])
    total_tokens = tco["annual_output_tokens"] + tco["annual_input_tokens"]
    assert tco["usd_per_million_tokens"] == pytest.approx(tco["tco_usd_per_year"] / total_tokens * 1e6)
    # prompt-heavy summaries: input + output $/Mtok far below its output-only figure
    summaries = tco["by_workload"]["summaries"]
    assert summaries["usd_per_million_tokens"] < summaries["usd_per_million_output_tokens"] / 5


def test_studies_and_site_comparisons_carry_each_workloads_cost(result):
    from planner.engine.site_comparison import _metrics
    from planner.engine.studies.kpis import read_kpis

    tco = result.summary["tco"]
    kpis = read_kpis(result.summary)
    assert kpis["usd_per_million_tokens"] == pytest.approx(tco["usd_per_million_tokens"])
    metrics = _metrics(result.summary)
    assert metrics["usd_per_mtok_prompt_and_output"] == pytest.approx(tco["usd_per_million_tokens"])
    for name, row in tco["by_workload"].items():
        assert kpis[f"usd_per_million_output_tokens[{name}]"] == pytest.approx(row["usd_per_million_output_tokens"])
        assert kpis[f"usd_per_million_tokens[{name}]"] == pytest.approx(row["usd_per_million_tokens"])
        assert metrics["usd_per_mtok_by_workload"][name] == {
            "output": row["usd_per_million_output_tokens"],
            "prompt_and_output": row["usd_per_million_tokens"],
        }
