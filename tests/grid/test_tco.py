"""Total cost of ownership: capital recovery factor, a hand-computed facility-year, sources."""

import math

import pytest

from grid.tco import CostFigure, TcoError, TcoInputs, capital_recovery_factor, cost_catalog, total_cost_of_ownership


@pytest.mark.parametrize(
    ("rate", "life", "expected"),
    [
        (0.0, 4, 0.25),  # no interest: straight line
        (0.10, 1, 1.10),  # one year: repay the dollar and its interest
        # 8 %, 5 years: 0.08·1.08^5/(1.08^5−1) = 0.117546/0.469328 = 0.250456 (standard annuity tables)
        (0.08, 5, 0.2504565),
        (0.05, 20, 0.0802426),  # 5 %, 20 years: 0.080243 (annuity tables)
    ],
)
def test_it_computes_the_capital_recovery_factor(rate, life, expected):
    assert capital_recovery_factor(rate_frac=rate, life_years=life) == pytest.approx(expected, rel=1e-6)


def test_it_pays_back_the_capital_with_interest():
    # The present value of n payments of CRF at rate r is exactly 1.
    r, n = 0.07, 12
    crf = capital_recovery_factor(rate_frac=r, life_years=n)
    assert sum(crf / (1 + r) ** t for t in range(1, n + 1)) == pytest.approx(1.0, rel=1e-12)
    assert capital_recovery_factor(rate_frac=0.12, life_years=n) > crf > 1 / n


def test_it_refuses_a_life_of_zero_and_a_negative_rate():
    with pytest.raises(TcoError, match="life_years"):
        capital_recovery_factor(rate_frac=0.08, life_years=0)
    with pytest.raises(TcoError, match="discount_rate_frac"):
        capital_recovery_factor(rate_frac=-0.01, life_years=5)


def _inputs(**change) -> TcoInputs:
    base = dict(
        devices_by_accelerator={"h100-sxm": 100},
        racks=2,
        critical_it_power_w=1e6,
        peak_facility_power_w=1.2e6,
        cooling="air_chiller_economizer",
        region="pjm-dominion",
        energy_cost_usd=100_000.0,
        grid_charges_usd=50_000.0,
        annual_water_m3=1000.0,
        annual_output_tokens=1e12,
        annual_input_tokens=4e12,
        grid_connection_cost_usd_per_kw=CostFigure(100.0, "USD/kW", "test"),
    )
    return TcoInputs(**{**base, **change})


HAND = {
    "accelerator_price_usd": {"h100-sxm": 10_000},
    "server_cost_usd_per_device": 2_000,
    "network_cost_frac": 0.1,
    "rack_cost_usd": 1_000,
    "facility_cost_usd_per_w": 10.0,
    "device_life_years": 5,
    "facility_life_years": 20,
    "grid_connection_life_years": 30,
    "discount_rate_frac": 0.0,
    "maintenance_frac_per_year": 0.02,
    "staff_fte_per_mw": 1.0,
    "staff_cost_usd_per_fte_year": 100_000,
    "water_price_usd_per_m3": 2.0,
}


def test_it_matches_a_hand_computed_facility_year():
    tco = total_cost_of_ownership(inputs=_inputs(), overrides=HAND)
    # capex: devices 100 × 10,000 = 1,000,000; servers 100 × 2,000 = 200,000; network 10 % of 1.2 M = 120,000;
    # racks 2 × 1,000 = 2,000; facility 1 MW × $10/W × 1.0 (air) × 1.0 (tier III) = 10,000,000;
    # grid connection 1,200 kW × $100 = 120,000 → 11,442,000
    assert tco["capex_usd"] == pytest.approx(11_442_000)
    # at r = 0: IT 1,322,000 / 5 = 264,400; facility 10 M / 20 = 500,000; grid 120,000 / 30 = 4,000
    # energy 100,000; charges 50,000; water 1,000 m³ × $2 = 2,000; maintenance 2 % × 11.442 M = 228,840;
    # staff 1 MW × 1 FTE × 100,000 = 100,000 → 1,249,240 per year
    assert tco["tco_usd_per_year"] == pytest.approx(1_249_240)
    assert tco["usd_per_million_output_tokens"] == pytest.approx(1_249_240 / 1e6)
    assert tco["usd_per_million_input_tokens"] == pytest.approx(1_249_240 / 4e6)
    assert tco["usd_per_kw_month"] == pytest.approx(1_249_240 / (1000 * 12))
    assert tco["output_tokens_per_s_per_mw"] == pytest.approx(1e12 / (8760 * 3600) / 1.2)
    breakdown = tco["breakdown_usd_per_year"]
    assert breakdown["capital"] == pytest.approx(264_400 + 500_000 + 4_000)
    assert sum(breakdown.values()) == pytest.approx(tco["tco_usd_per_year"])  # conserved


def test_it_annualises_each_capital_line_with_its_own_life():
    tco = total_cost_of_ownership(inputs=_inputs(), overrides={**HAND, "discount_rate_frac": 0.08})
    lines = {line["item"]: line for line in tco["lines"]}
    assert lines["facility"]["annual_usd"] == pytest.approx(
        1e7 * capital_recovery_factor(rate_frac=0.08, life_years=20)
    )
    assert lines["accelerators"]["annual_usd"] == pytest.approx(
        1e6 * capital_recovery_factor(rate_frac=0.08, life_years=5)
    )


def test_it_costs_more_for_liquid_cooling_and_a_higher_tier():
    base = total_cost_of_ownership(inputs=_inputs(), overrides=HAND)["capex_usd"]
    liquid = total_cost_of_ownership(inputs=_inputs(cooling="direct_liquid_dry_cooler"), overrides=HAND)["capex_usd"]
    tier4 = total_cost_of_ownership(inputs=_inputs(tier="tier_iv"), overrides=HAND)["capex_usd"]
    assert base < liquid and base < tier4


def test_every_line_names_its_sources_and_marks_assumptions():
    tco = total_cost_of_ownership(inputs=_inputs())  # catalog defaults
    for line in tco["lines"]:
        assert line["sources"], line["item"]
    assert "facility" in tco["assumptions"]  # the Tier III factor is an assumption
    user = total_cost_of_ownership(inputs=_inputs(), overrides=HAND)
    staff = next(line for line in user["lines"] if line["item"] == "staff")
    assert any("user override" in s for s in staff["sources"]) and not staff["assumption"]


def test_the_catalog_has_a_source_for_every_figure():
    catalog = cost_catalog()
    for name, item in catalog.items():
        figures = item.values() if isinstance(item, dict) else [item]
        for figure in figures:
            if isinstance(figure, CostFigure):
                assert figure.source and math.isfinite(figure.value) and figure.value >= 0, name
                assert figure.assumption == bool(figure.reason), name


def test_it_uses_the_regional_facility_cost():
    sg = total_cost_of_ownership(inputs=_inputs(region="singapore"))
    facility = next(line for line in sg["lines"] if line["item"] == "facility")
    assert "$14.5/W" in facility["basis"]
