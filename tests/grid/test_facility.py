"""Facility energy balance and a closed-form case (grid.facility)."""

import numpy as np
import pytest

from grid.climate import weather_for_climate
from grid.facility import facility_hourly, largest_scale_under_cap
from grid.power_chain import LossCurve, PowerChain, default_power_chain
from grid.weather import constant_weather


@pytest.mark.parametrize(
    "cooling", ["air_chiller_economizer", "water_chiller_tower", "evaporative", "direct_liquid_dry_cooler", "immersion"]
)
def test_it_conserves_energy_in_every_hour(cooling):
    rng = np.random.default_rng(7)
    it = 5e6 * (0.4 + 0.6 * rng.random(8760))
    facility = facility_hourly(
        it_power_w=it, design_it_power_w=6e6, weather=weather_for_climate("us-tx-dallas"), cooling=cooling,
        ashrae="A2", chain=default_power_chain(),
    )  # fmt: skip
    parts = facility.it_power_w + facility.power_losses_w + facility.cooling_power_w
    assert np.allclose(facility.facility_power_w, parts, rtol=1e-12)
    assert np.all(facility.power_losses_w > 0) and np.all(facility.cooling_power_w > 0)
    assert np.all(facility.pue > 1.0)


def test_it_solves_constant_load_in_constant_weather_by_hand():
    # 1 MW IT, 2 MW design; every chain part loses a flat 1 % of its rating; lighting 1 % of design;
    # 0 °C dry air → full air-side economiser, no chiller.
    # PDU 20 kW, UPS 20 kW, lighting 20 kW → heat 1,060 kW; CRAH fans 10 % → 106 kW;
    # pumps 4 % of (1,060 + 106) → 46.64 kW; transformer 1 % of 1.3 × 2 MW → 26 kW.
    # Facility = 1,000 + 20 + 20 + 20 + 26 + 106 + 46.64 = 1,238.64 kW → PUE 1.23864.
    flat = LossCurve(no_load_frac=0.01, proportional_frac=0.0, square_frac=0.0, paths=1)
    chain = PowerChain(ups=flat, pdu=flat, transformer=flat, transformer_sizing_factor=1.3,
                       lighting_aux_frac_of_design_it=0.01)  # fmt: skip
    facility = facility_hourly(
        it_power_w=np.full(8760, 1e6), design_it_power_w=2e6, weather=constant_weather(dry_bulb_c=0.0,
        relative_humidity_frac=0.5), cooling="air_chiller_economizer", ashrae="A1", chain=chain,
    )  # fmt: skip
    assert np.allclose(facility.facility_power_w, 1_238_640.0)
    assert np.allclose(facility.pue, 1.23864)
    assert np.allclose(facility.cooling_power_w, 152_640.0)
    assert facility.water_m3.sum() == 0.0


def test_it_finds_the_largest_demand_under_a_power_cap():
    # Peak power = 2 MW fixed + 3 MW per unit of demand: a 11 MW cap allows 3 units.
    scale = largest_scale_under_cap(peak_power_w=lambda s: 2e6 + 3e6 * s, cap_w=11e6)
    assert scale == pytest.approx(3.0, rel=2e-3)
    assert largest_scale_under_cap(peak_power_w=lambda s: 2e6 + 3e6 * s, cap_w=1e6) == 0.0


@pytest.mark.parametrize("cooling", ["air_chiller_economizer", "water_chiller_tower", "evaporative", "immersion"])
def test_losses_computed_per_demand_state_equal_hour_by_hour(cooling):
    # An IT load that repeats in the 48 demand states (day type × hour of day): the losses inside
    # the building are computed once per state and spread; every hourly array must equal the
    # hour-by-hour computation bit for bit (cooling and transformer stay hourly: weather).
    from grid.demand import hour_states

    states = hour_states(year=2027)
    it = (4e6 + 1e6 * np.random.default_rng(3).random(states.first.size))[states.index]
    common = dict(
        it_power_w=it, design_it_power_w=6e6, weather=weather_for_climate("us-va-ashburn"), cooling=cooling,
        ashrae="A1", chain=default_power_chain(ups_efficiency_frac=0.95),
    )  # fmt: skip
    by_state, by_hour = facility_hourly(**common, hour_states=states), facility_hourly(**common)
    for name in ("pdu_loss_w", "ups_loss_w", "lighting_aux_w", "transformer_loss_w", "cooling_power_w",
                 "facility_power_w", "pue", "water_m3"):  # fmt: skip
        np.testing.assert_array_equal(getattr(by_state, name), getattr(by_hour, name), err_msg=name)
