"""Real hours by default (grid.system_load): compact multi-year system load, its fit, growth, refusals."""

import json

import numpy as np
import pytest

from grid import headroom
from grid.constants import HOURS_PER_YEAR
from grid.cost import month_of_hour
from grid.portfolio import Member, portfolio_study
from grid.regions import apply_overrides, get_region, list_regions
from grid.system_load import NoSystemLoadError, has_system_load, series_info, system_load_history, system_load_mw
from grid.tools import derive_system_load

REAL = [r for r in list_regions() if has_system_load(r)]
# CAISO's published 0.25 % headroom (Duke Figure 1: 4.2 GW) is twice the headroom of the EIA-930 CISO
# hours shipped here (2.05 GW solved on the real hours, grid/data/system_load.json fit): the report's
# CAISO series differs from this cleaned release. The figure stays (it is the published one) and the
# check below names the mismatch instead of hiding it.
PUBLISHED_DIFFERS = {"caiso"}


def _base_year(region) -> int:
    return system_load_history(region, year=2000).base_year


def test_every_region_with_a_study_use_has_real_hours_or_says_it_has_none():
    assert {r.slug for r in REAL} >= {"pjm-dominion", "pjm", "ercot", "miso", "caiso", "spp", "nyiso", "iso-ne"}
    for region in list_regions():
        if has_system_load(region):
            history = system_load_history(region, year=_base_year(region))
            assert history.load_mw.shape == (len(history.history_years), HOURS_PER_YEAR)
            assert np.all(np.isfinite(history.load_mw)) and np.all(history.load_mw > 0)
            assert "fit" in history.method and region.geography
        else:
            with pytest.raises(NoSystemLoadError, match="ships no hourly system load"):
                system_load_mw(region, 2027)
            assert "no hourly system load" in region.geography


@pytest.mark.parametrize("region", REAL, ids=lambda r: r.slug)
def test_real_hours_do_not_repeat_their_peak_like_a_month_by_hour_mean(region):
    # The smooth month × hour mean repeats its peak value on every day of the peak month (28–31 h at
    # 100 % of the peak, which is why any added load curtailed there); a real year's daily peaks differ.
    load = system_load_mw(region, _base_year(region))
    assert load.shape == (HOURS_PER_YEAR,)
    assert np.sum(load >= load.max() - 1e-6) <= 2
    assert np.sum(load >= 0.995 * load.max()) < 28


@pytest.mark.parametrize("region", [r for r in REAL if r.optional("headroom_mw_0p25pct")], ids=lambda r: r.slug)
def test_a_flat_load_at_the_published_quarter_percent_headroom_curtails_a_quarter_percent(region):
    # Norris et al. (2025) headroom at 0.25 %: a constant load L curtailed whenever load + L exceeds the
    # historical seasonal peak curtails 0.25 % of its energy over the history years as recorded.
    base = _base_year(region)
    history = system_load_history(region, year=base)
    published = region.value("headroom_mw_0p25pct")
    result = portfolio_study(
        members=[Member("flat", np.full(HOURS_PER_YEAR, published), base)],
        years=[base],
        region=region,
        system_load_mw=history.load_mw,
    )
    rate = result.yearly[0]["curtailment"]["aggregate_rate_frac"]
    if region.slug in PUBLISHED_DIFFERS:
        assert rate > 0.005  # the published figure is well above these hours' headroom (see PUBLISHED_DIFFERS)
    else:
        assert rate == pytest.approx(0.0025, rel=0.2)


def test_a_few_mw_alone_never_curtails_in_any_region_with_headroom():
    for region in REAL:
        base = _base_year(region)
        history = system_load_history(region, year=base)
        fit = series_info(str(region.load_series))["fit"]
        if not dict(zip(fit["headroom_rates_pct"], fit["headroom_rebuilt_mw"], strict=True)).get(0.5):
            continue
        result = portfolio_study(
            members=[Member("small", np.full(HOURS_PER_YEAR, 3.0), base)],
            years=[base],
            region=region,
            system_load_mw=history.load_mw,
        )
        assert result.yearly[0]["curtailment"]["aggregate_rate_frac"] < 0.005, region.slug


def test_growth_scales_the_hours_thresholds_and_headroom_as_stated():
    # load(y) = (1 + g)^(y − base) × load(base): thresholds and headroom scale by the same factor.
    region = apply_overrides(get_region("pjm-dominion"), {"load_growth_frac_per_year": 0.05})
    base = _base_year(region)
    now, later = system_load_history(region, year=base), system_load_history(region, year=base + 4)
    assert later.growth_factor == pytest.approx(1.05**4)
    assert later.load_mw == pytest.approx(now.load_mw * 1.05**4)
    months = np.tile(month_of_hour(), now.load_mw.shape[0])
    labels = np.repeat(np.arange(now.load_mw.shape[0]), HOURS_PER_YEAR)

    def solve(load):
        return [r["headroom_mw"] for r in headroom.headroom_all_years(load_mw=load.ravel(), month=months, year=labels)]

    for h_now, h_later in zip(solve(now.load_mw), solve(later.load_mw), strict=True):
        assert h_later == pytest.approx(h_now * 1.05**4, abs=0.2)
    threshold = headroom.seasonal_threshold_mw(load_mw=later.load_mw.ravel(), month=months)
    assert threshold.max() == pytest.approx(now.load_mw.max() * 1.05**4)


def test_the_default_growth_is_sourced_and_an_override_replaces_it():
    dominion = get_region("pjm-dominion")
    growth = dominion.figures["load_growth_frac_per_year"]
    # EIA-930 PJM-DOM annual mean 11,683 MW (2019) → 14,191 MW (2024): (14,191/11,683)^(1/5) − 1 = 3.97 %/yr
    assert growth.value == pytest.approx((14191 / 11683) ** (1 / 5) - 1, abs=2e-4)
    assert growth.assumption and "trend" in growth.source
    assert get_region("pjm").figures["load_growth_frac_per_year"].value == pytest.approx(
        (164579 / 153883) ** 0.5 - 1, abs=1e-4
    )
    flat = apply_overrides(dominion, {"load_growth_frac_per_year": 0.0})
    assert system_load_mw(flat, 2030) == pytest.approx(system_load_mw(flat, 2024))


def test_the_shipped_fit_error_is_small_where_headroom_exists():
    # Rebuilt hours vs real (grid/data/system_load.json, computed by the derive command): the EIA-930
    # series (6–9 years) keep their headroom within 6 % at 0.5 % and above (within 9 % at 0.25 %); the
    # short series (Germany 2 years, Singapore 3, Ireland 1) within 30 %, their headroom being a few
    # peak hours of few years.
    for region in REAL:
        info = series_info(str(region.load_series))
        fit, long_series = info["fit"], len(info["years"]) >= 6
        assert fit["mean_abs_error_pct"] < 4.0, region.slug
        for rate, error in zip(fit["headroom_rates_pct"], fit["headroom_error_pct"], strict=True):
            if error is None:
                continue
            bound = (6.0 if rate >= 0.5 else 9.0) if long_series else 30.0
            assert abs(error) < bound, (region.slug, rate, error)


def test_the_derive_command_reproduces_the_shipped_series(reference_dir):
    shipped = json.loads(derive_system_load.OUTPUT.read_text(encoding="utf-8"))["series"]["pjm-dom"]
    derived = derive_system_load.derive("pjm-dom")
    assert derived["daily_max_mw"] == shipped["daily_max_mw"] and derived["shape"] == shipped["shape"]
    # the real hours reproduce PJM's published headroom (Norris et al. 2025: 13.3 / 17.8 / 23.6 GW)
    pjm = derive_system_load.derive("pjm")["fit"]["headroom_real_mw"]
    assert pjm[:3] == pytest.approx([13300, 17800, 23600], rel=0.01)
