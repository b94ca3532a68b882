"""Embodied carbon: NVIDIA's HGX product carbon footprints per GPU, EcoLogits' server, assumptions marked."""

import numpy as np
import pytest

from accelerators.catalog import get_accelerator
from grid.constants import SERVER_EMBODIED_KGCO2E
from planner.engine.grid_stage import grid_stage
from planner.engine.schema import parse_scenario

SPEC = parse_scenario(
    {
        "name": "t",
        "workloads": [{"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "peak_requests_per_s": 10}],
        "hardware": [{"name": "gpu", "accelerator": "h100-sxm", "share_frac": 1.0}],
    }
)


def _embodied(accelerator: str, devices: int = 800, servers: int = 100):
    result = grid_stage(
        SPEC,
        facility_power_w=np.full(8760, 1e6),
        devices_by_pool={"gpu": devices},
        accelerator_by_pool={"gpu": accelerator},
        servers=servers,
    )
    return result.summary["carbon"], result.warnings


def test_h100_and_b200_use_nvidia_hgx_pcfs_per_gpu_not_assumptions():
    # HGX H100 PCF 1,312 kgCO2e per 8-GPU baseboard; HGX B200 PCF 2,274 kgCO2e
    assert get_accelerator("h100-sxm").embodied_carbon_kgco2e == pytest.approx(1312 / 8)
    assert get_accelerator("b200").embodied_carbon_kgco2e == pytest.approx(2274 / 8)
    for slug in ("h100-sxm", "b200"):
        carbon, _ = _embodied(slug)
        pool = carbon["embodied_by_pool"]["gpu"]
        assert "assumption" not in pool and "Product Carbon Footprint" in pool["source"]


def test_servers_carry_ecologits_current_5700_kg_over_five_years():
    assert SERVER_EMBODIED_KGCO2E == 5700.0
    carbon, _ = _embodied("h100-sxm", devices=800, servers=100)
    assert carbon["embodied_servers_tco2e_per_year"] == pytest.approx(100 * 5.7 / 5)
    assert carbon["embodied_tco2e_per_year"] == pytest.approx(100 * 5.7 / 5 + 800 * 0.164 / 5)


@pytest.mark.parametrize("slug", ["mi300x", "h200", "gb200"])
def test_devices_without_their_own_pcf_say_which_assumption_they_carry(slug):
    carbon, _ = _embodied(slug)
    pool = carbon["embodied_by_pool"]["gpu"]
    assert pool["assumption"]  # the reason, shown beside the figure
    assert pool["kgco2e_per_device"] != 143.0  # never the A100-era EcoLogits figure


def test_mi300x_scales_the_h100_figure_by_its_memory_more_than_an_a100_era_figure():
    per_device = get_accelerator("mi300x").embodied_carbon_kgco2e
    assert per_device == pytest.approx(164 * (0.58 + 0.42 * 192 / 80), abs=0.1)


def test_a_device_the_catalog_has_no_figure_for_gets_a_named_assumption_and_a_warning():
    assert get_accelerator("l40s").embodied_carbon_kgco2e is None
    carbon, warnings = _embodied("l40s")
    pool = carbon["embodied_by_pool"]["gpu"]
    assert pool["kgco2e_per_device"] == 164.0 and pool["assumption"].startswith("assumption: NVIDIA HGX H100 PCF")
    assert any("'l40s'" in w and "164 kgCO2e assumed" in w for w in warnings)
