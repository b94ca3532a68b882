"""Share of system peak and reserve-margin change."""

import pytest

from grid import reliability


def test_it_computes_reserve_margin_change_by_hand():
    # 100 GW peak, 20% margin → 120 GW capacity. +1 GW: (120 − 101) / 101 = 18.81%.
    rm = reliability.reserve_margin_change(
        system_peak_mw=100_000, reserve_margin_frac=0.20, added_peak_mw=1_000, target_frac=0.15
    )
    assert rm.after_frac == pytest.approx(19 / 101)
    assert rm.change_pct_points == pytest.approx(100 * (19 / 101 - 0.20))
    assert rm.shortfall_mw == 0
    short = reliability.reserve_margin_change(
        system_peak_mw=100_000, reserve_margin_frac=0.148, added_peak_mw=0, target_frac=0.20
    )
    assert short.shortfall_mw == pytest.approx(5_200)  # PJM 2027/28: 14.8% against a 20% target


def test_it_reports_peak_share_and_refuses_bad_input():
    assert reliability.peak_share_pct(facility_peak_mw=1_540, system_peak_mw=154_000) == pytest.approx(1.0)
    with pytest.raises(reliability.ReliabilityError, match="system_peak_mw"):
        reliability.peak_share_pct(facility_peak_mw=1, system_peak_mw=0)
    monotone = [
        reliability.reserve_margin_change(
            system_peak_mw=1e5, reserve_margin_frac=0.2, added_peak_mw=x, target_frac=0.15
        ).after_frac
        for x in (0, 500, 5000)
    ]
    assert monotone == sorted(monotone, reverse=True)
