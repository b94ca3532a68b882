"""Carbon: location, marginal, market-based (annual vs 24/7), embodied; published figures reproduced."""

import numpy as np
import pytest

from grid import carbon


def test_it_reproduces_llama_2_training_emissions():
    # Touvron et al. 2023 (Llama 2 paper, Table 2): 3,311,616 A100-hours at 400 W → 1,273 MWh,
    # 539 tCO2e at 0.4235 kgCO2e/kWh (GPUs only, no PUE).
    device_hours, power_w = 3_311_616, 400.0
    assert device_hours * power_w / 1e6 == pytest.approx(1_273, rel=0.05)  # paper rounds (350–400 W mix)
    tco2e = carbon.training_emissions_t(device_hours=device_hours, device_power_w=power_w, intensity_kg_per_kwh=0.4235)
    assert tco2e == pytest.approx(561, rel=0.01)  # 1,324.6 MWh × 0.4235 at a flat 400 W
    paper = carbon.emissions_kg(energy_kwh=np.array([1_273_000.0]), intensity_g_per_kwh=423.5) / 1e3
    assert paper == pytest.approx(539, abs=1)  # from the paper's 1,273 MWh


def test_it_reproduces_the_uptime_2025_non_it_share():
    # Uptime Institute Global Data Center Survey 2025: average PUE 1.54 → 35% of energy is not IT.
    assert carbon.non_it_share_frac(pue=1.54) == pytest.approx(0.35, abs=0.005)
    assert carbon.non_it_share_frac(pue=1.0) == 0.0


def test_it_weights_hourly_energy_by_hourly_intensity():
    energy = np.array([1.0, 3.0])
    assert carbon.emissions_kg(energy_kwh=energy, intensity_g_per_kwh=np.array([100.0, 500.0])) == pytest.approx(1.6)
    assert carbon.emissions_kg(energy_kwh=energy, intensity_g_per_kwh=200.0) == pytest.approx(0.8)
    with pytest.raises(carbon.CarbonError, match="energy_kwh"):
        carbon.emissions_kg(energy_kwh=np.array([-1.0]), intensity_g_per_kwh=1.0)


def test_it_caps_annual_matching_at_consumption_and_says_when_it_lacks_a_residual_mix():
    energy = np.full(8760, 10.0)
    full = carbon.market_based_annual(
        energy_kwh=energy, clean_match_frac=1.5, residual_mix_g_per_kwh=400.0, location_average_g_per_kwh=300.0
    )
    assert full.emissions_kg == 0 and full.matched_frac == 1
    half = carbon.market_based_annual(
        energy_kwh=energy, clean_match_frac=0.5, residual_mix_g_per_kwh=None, location_average_g_per_kwh=300.0
    )
    assert half.emissions_kg == pytest.approx(0.5 * 87_600 * 0.3) and half.notes


def test_it_matches_hourly_only_what_clean_supply_covers_in_each_hour():
    # Solar-like clean supply: 100% annual volume, but only daytime hours are matched.
    hours = np.arange(8760) % 24
    energy = np.full(8760, 10.0)
    clean = np.where((hours >= 6) & (hours < 18), 20.0, 0.0)  # same annual MWh as the load
    intensity = np.full(8760, 300.0)
    hourly = carbon.market_based_hourly(energy_kwh=energy, clean_supply_kwh=clean, intensity_g_per_kwh=intensity)
    annual = carbon.market_based_annual(
        energy_kwh=energy, clean_match_frac=1.0, residual_mix_g_per_kwh=300.0, location_average_g_per_kwh=300.0
    )
    assert hourly.matched_frac == pytest.approx(0.5)
    assert hourly.emissions_kg == pytest.approx(0.5 * 87_600 * 0.3)
    assert annual.emissions_kg == 0 < hourly.emissions_kg  # 24/7 matching never reports less than annual


def test_it_amortises_embodied_carbon_straight_line_and_states_household_equivalents():
    assert carbon.embodied_kg_per_year(embodied_kg=143.0, count=8, life_years=5) == pytest.approx(228.8)
    with pytest.raises(carbon.CarbonError, match="life_years"):
        carbon.embodied_kg_per_year(embodied_kg=1, count=1, life_years=0)
    # 539 tCO2e / (855 kWh × 12 × 339.2 g/kWh, US average household electricity) ≈ 155 households.
    households = carbon.household_equivalents(
        emissions_kg=539e3, household_use_kwh_per_month=855, intensity_g_per_kwh=339.2
    )
    assert households == pytest.approx(539e3 / (855 * 12 * 0.3392))
