"""Large-load portfolios (grid.portfolio): hand-solved cases and invariants."""

import numpy as np
import pytest

from grid.constants import HOURS_PER_YEAR
from grid.cost import month_of_hour
from grid.portfolio import Member, PortfolioError, allocate_curtailment, portfolio_study, ramp_scale
from grid.regions import apply_overrides, get_region

YEARS = list(range(2026, 2031))


def flat(mw: float) -> np.ndarray:
    return np.full(HOURS_PER_YEAR, float(mw))


def peaky_system() -> np.ndarray:
    """Base 1,000 MW; 10 July days peak at 1,500 MW (17:00), 10 January days at 1,400 MW (18:00)."""
    load = flat(1000.0)
    month = month_of_hour()
    july_days = np.flatnonzero(month == 7)[::24][:10]
    january_days = np.flatnonzero(month == 1)[::24][:10]
    load[july_days + 17] = 1500.0
    load[january_days + 18] = 1400.0
    return load[None, :]


def flat_price_pjm():
    """PJM with its capacity price overridden: a flat price on a linear curve, no market collar."""
    region = get_region("pjm")
    return apply_overrides(region, {"capacity_price_usd_per_mw_day": region.value("capacity_price_usd_per_mw_day")})


def test_it_counts_two_identical_facilities_as_one_of_twice_the_size():
    # PJM slope 26.90 $/MW-day per GW: 100 MW → 2.69, 200 MW → 5.38 $/MW-day.
    region = flat_price_pjm()
    twins = [Member("a", flat(100), 2026), Member("b", flat(100), 2026)]
    single = [Member("ab", flat(200), 2026)]
    pair = portfolio_study(members=twins, years=YEARS, region=region, system_load_mw=peaky_system())
    one = portfolio_study(members=single, years=YEARS, region=region, system_load_mw=peaky_system())
    for y_pair, y_one in zip(pair.yearly, one.yearly, strict=True):
        assert y_pair["capacity_price_step_usd_per_mw_day"] == pytest.approx(5.38, abs=1e-3)
        assert y_pair["capacity_price_step_usd_per_mw_day"] == y_one["capacity_price_step_usd_per_mw_day"]
        assert y_pair["bills"] == y_one["bills"]  # households see one 200 MW load either way
        assert y_pair["reserve_margin"] == y_one["reserve_margin"]


def test_it_steps_the_capacity_price_on_the_aggregate_when_a_cap_binds():
    # Cap 4 $/MW-day above today's price: the aggregate 200 MW would step 5.38, capped at 4.00; each
    # 100 MW member alone steps 2.69 (under the cap), so the sum of separate steps (5.38) overstates it.
    region = flat_price_pjm()
    price = region.value("capacity_price_usd_per_mw_day")
    capped = apply_overrides(region, {"capacity_price_cap_usd_per_mw_day": price + 4.0})
    twins = [Member("a", flat(100), 2026), Member("b", flat(100), 2026)]
    year = portfolio_study(members=twins, years=YEARS, region=capped, system_load_mw=peaky_system()).yearly[0]
    assert year["capacity_price_step_usd_per_mw_day"] == pytest.approx(4.0)
    assert year["sum_of_member_steps_usd_per_mw_day"] == pytest.approx(2 * 2.69, abs=1e-3)
    socialised = year["bills"]["socialised"]
    # capacity item = step × obligation [kW] / 1000 × 365/12 (grid.bills)
    obligation = region.value("residential_capacity_obligation_kw")
    assert socialised["capacity_usd_per_month"] == pytest.approx(4.0 * obligation / 1e3 * 365 / 12, abs=1e-4)


def test_it_ramps_from_zero_to_full_over_three_years():
    # 300 MW facility in service 2027, ramp 1/3, 2/3, 1: 0 (2026), 100, 200, 300, 300 MW. The same in MW.
    shares = Member("s", flat(300), 2027, ramp=(1 / 3, 2 / 3, 1.0))
    mw = Member("m", flat(300), 2027, ramp=(100.0, 200.0, 300.0), ramp_unit="mw")
    expected = [0.0, 100.0, 200.0, 300.0, 300.0]
    assert ramp_scale([shares], YEARS)[0] * 300 == pytest.approx(expected)
    result = portfolio_study(members=[shares, mw], years=YEARS, region=get_region("pjm"), system_load_mw=peaky_system())
    for row, mw_expected in zip(result.yearly, expected, strict=True):
        assert row["member_peak_mw"]["s"] == pytest.approx(mw_expected, abs=0.01)
        assert row["member_peak_mw"]["m"] == pytest.approx(mw_expected, abs=0.01)
        assert row["aggregate_peak_mw"] == pytest.approx(2 * mw_expected, abs=0.02)


def test_a_facility_contributes_nothing_before_its_in_service_year():
    late = Member("late", flat(500), 2029)
    result = portfolio_study(members=[late], years=YEARS, region=get_region("pjm"), system_load_mw=peaky_system())
    before = [row for row in result.yearly if row["year"] < 2029]
    assert all(row["aggregate_energy_mwh"] == 0 and row["capacity_price_step_usd_per_mw_day"] == 0 for row in before)
    assert all(row["bills"]["socialised"]["total_usd_per_month"] == 0 for row in before)
    assert result.yearly[3]["aggregate_energy_mwh"] == pytest.approx(500 * HOURS_PER_YEAR)


def test_it_curtails_the_later_arrival_first_by_hand():
    # Thresholds: summer peak 1,500 MW (Apr–Oct), winter peak 1,400 MW (Nov–Mar). Room: 500 MW in
    # Apr–Oct base hours, 400 MW in Nov–Mar base hours, 0 in the 20 peak hours.
    # A (300 MW, 2026) is first in the queue, B (200 MW, 2027) second.
    # A: curtailed only in the 20 peak hours: 300 × 20 = 6,000 MWh, rate 6,000 / (300 × 8,760).
    # B: 100 MW in Nov–Mar base hours (151 days × 24 − 10 = 3,614 h) + 200 MW in the 20 peak hours
    #    = 361,400 + 4,000 = 365,400 MWh in 3,634 hours.
    a, b = Member("A", flat(300), 2026), Member("B", flat(200), 2027)
    result = portfolio_study(members=[b, a], years=YEARS, region=flat_price_pjm(), system_load_mw=peaky_system())
    year = result.yearly[1]
    members = year["curtailment"]["members"]
    assert members["A"]["curtailed_mwh_per_year"] == pytest.approx(6000)
    assert members["A"]["hours_per_year"] == 20
    assert members["A"]["rate_frac"] == pytest.approx(6000 / (300 * 8760), abs=1e-6)
    assert members["B"]["curtailed_mwh_per_year"] == pytest.approx(365_400)
    assert members["B"]["hours_per_year"] == 3634
    # In 2026 only A is in service, room is ≥ 300 MW outside the peak hours.
    assert result.yearly[0]["curtailment"]["members"]["B"]["must_curtail"] is False
    # 5CP hours are the July peaks, where nothing is served: the curtailed bills carry no capacity step.
    assert year["aggregate_coincident_peak_mw"] == pytest.approx(500)
    assert year["curtailment"]["served_coincident_peak_mw"] == 0
    assert year["bills_if_curtailed"]["socialised"]["capacity_usd_per_month"] == 0
    assert year["bills"]["socialised"]["capacity_usd_per_month"] > 0


def test_curtailment_conserves_load_and_respects_the_room():
    rng = np.random.default_rng(1)
    load = rng.uniform(0, 100, (3, HOURS_PER_YEAR))
    room = rng.uniform(0, 250, (2, HOURS_PER_YEAR))
    cut = allocate_curtailment(load_mw=load, room_mw=room)
    served = load[:, None, :] - cut
    assert np.all(cut >= -1e-9) and np.all(served >= -1e-9)
    assert np.all(served.sum(axis=0) <= room + 1e-9)  # the system stays within its thresholds
    # Whatever is curtailed, the room was used up: served total = min(room, total load).
    assert served.sum(axis=0) == pytest.approx(np.minimum(room, load.sum(axis=0)[None, :]))


@pytest.mark.parametrize(
    ("member", "field"),
    [
        (Member("x", flat(100), 2026, ramp=(0.5, 1.2)), "members[0].ramp[1]"),
        (Member("x", flat(100), 2026, ramp=(150.0,), ramp_unit="mw"), "members[0].ramp[0]"),
        (Member("x", flat(100), 2040), "members[0].in_service_year"),
        (Member("x", flat(100), 2026, ramp_unit="percent"), "members[0].ramp_unit"),
        (Member("x", flat(-1), 2026), "members[0].power_mw"),
    ],
)
def test_it_names_the_field_of_bad_input(member, field):
    with pytest.raises(PortfolioError) as error:
        portfolio_study(members=[member], years=YEARS, region=get_region("pjm"), system_load_mw=peaky_system())
    assert error.value.field == field and str(error.value).startswith(field)


def test_it_refuses_a_region_without_the_figures_it_needs():
    region = get_region("pjm")
    bare = type(region)(slug="bare", name="bare", country="US", figures={})
    with pytest.raises(PortfolioError, match="region: region 'bare' lacks capacity_price_usd_per_mw_day"):
        portfolio_study(members=[Member("x", flat(1), 2026)], years=YEARS, region=bare, system_load_mw=peaky_system())


def test_on_a_smooth_profile_it_takes_the_published_headroom_and_claims_no_curtailment():
    # pjm-dominion ships 3,354.2 / 4,091.2 / 5,020.4 / 8,312.8 MW (grid/data/regions.yaml, dom-derived).
    # A flat 5,000 MW portfolio uses 5,000 / 4,091.2 of the 0.5 % headroom; the flexible view counts the
    # 908.8 MW above it. The smooth profile's repeated daily peak is no basis for curtailment: not assessed.
    region = get_region("pjm-dominion")
    members = [Member("big", flat(5000), 2026)]
    result = portfolio_study(
        members=members, years=YEARS, region=region, system_load_mw=peaky_system(), real_hours=False
    )
    assert [row["headroom_mw"] for row in result.headroom] == [3354.2, 4091.2, 5020.4, 8312.8]
    year = result.yearly[0]
    used = {row["rate_pct"]: row["used_frac"] for row in year["headroom_used"]}
    assert used[0.5] == pytest.approx(5000 / 4091.2, abs=1e-4)
    assert year["flexible_firm_mw"] == pytest.approx(908.8, abs=0.05)
    assert year["bills"]["flexible"]["peak_mw_counted"] == pytest.approx(908.8, abs=0.05)
    assert year["curtailment"]["assessed"] is False and year["curtailment"]["members"] == {}
    assert any("not assessed" in w for w in result.warnings)
    from grid.portfolio_checks import missed_constraints

    kinds = {c["kind"] for c in missed_constraints({"regions": {"pjm-dominion": result.to_dict()}})}
    assert "curtailment_over_rate" not in kinds and "headroom_exceeded" in kinds


def test_growth_scales_thresholds_room_and_headroom_by_the_same_factor():
    # One factor s on every hour: thresholds, room and headroom × s (headroom is homogeneous of degree 1).
    # With s = 1.05^4 in the last year, a member curtails exactly as a member 1/s its size did in year 1.
    region = flat_price_pjm()
    scales = [1.05**k for k in range(len(YEARS))]
    member = Member("a", flat(300), 2026)
    grown = portfolio_study(
        members=[member], years=YEARS, region=region, system_load_mw=peaky_system(), load_scale_by_year=scales
    )
    base = portfolio_study(members=[member], years=YEARS, region=region, system_load_mw=peaky_system())
    for row_g, row_b, s in zip(grown.yearly, base.yearly, scales, strict=True):
        for used_g, used_b in zip(row_g["headroom_used"], row_b["headroom_used"], strict=True):
            if used_b["headroom_mw"] is not None:
                assert used_g["headroom_mw"] == pytest.approx(used_b["headroom_mw"] * s, abs=0.1)
        assert row_g["system_peak_mw"] == pytest.approx(1500 * s, abs=0.5)
        assert row_g["share_of_system_peak_pct"] == pytest.approx(row_b["share_of_system_peak_pct"] / s, rel=1e-3)
    # the last year's curtailment equals that of a 300 / s MW member on the ungrown system
    small = portfolio_study(
        members=[Member("a", flat(300 / scales[-1]), 2026)], years=YEARS, region=region, system_load_mw=peaky_system()
    )
    assert grown.yearly[-1]["curtailment"]["members"]["a"]["rate_frac"] == pytest.approx(
        small.yearly[0]["curtailment"]["members"]["a"]["rate_frac"], abs=1e-6
    )
    # 2026 room is 500 MW in summer base hours: 300 MW curtails only in the 20 peak hours, every year
    assert grown.yearly[-1]["curtailment"]["members"]["a"]["hours_per_year"] == 20


def test_pjm_capacity_step_is_zero_in_a_capped_year_and_the_obligation_goes_unprocured():
    # 2026/27 and 2027/28 cleared at the collar's cap (329.17, 333.44 $/MW-day; uncapped 388.57 and 529.80):
    # added load cannot raise the price; its UCAP obligation (peak × FPR 0.9401) adds to the shortfall
    # (2027/28: 6,623 MW UCAP short before it). 2025/26 had no collar: the step is slope × UCAP.
    region = get_region("pjm")
    result = portfolio_study(
        members=[Member("a", flat(1000), 2025)], years=[2025, 2026, 2027], region=region, system_load_mw=peaky_system()
    )
    y2025, y2026, y2027 = result.yearly
    assert y2026["capacity_price_step_usd_per_mw_day"] == 0 and y2027["capacity_price_step_usd_per_mw_day"] == 0
    assert y2026["capacity_market"]["capped"] and y2026["capacity_market"]["cap_usd_per_mw_day"] == 329.17
    assert y2026["bills"]["socialised"]["capacity_usd_per_month"] == 0
    assert y2027["capacity_market"]["shortfall_ucap_mw"] == pytest.approx(6623 + 1000 * 0.9401, abs=0.1)
    assert y2025["capacity_price_step_usd_per_mw_day"] == pytest.approx(26.90 * 0.9401, abs=1e-3)
    assert y2025["capacity_market"]["cleared_usd_per_mw_day"] == 269.92
