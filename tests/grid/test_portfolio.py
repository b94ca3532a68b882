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


def test_it_counts_two_identical_facilities_as_one_of_twice_the_size():
    # PJM slope 26.90 $/MW-day per GW: 100 MW → 2.69, 200 MW → 5.38 $/MW-day.
    region = get_region("pjm")
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
    region = get_region("pjm")
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
    result = portfolio_study(members=[b, a], years=YEARS, region=get_region("pjm"), system_load_mw=peaky_system())
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


def test_it_can_take_the_regions_published_headroom_instead_of_solving_it():
    # pjm-dominion ships 3,354.2 / 4,091.2 / 5,020.4 / 8,312.8 MW (grid/data/regions.yaml, dom-derived).
    # A flat 5,000 MW portfolio uses 5,000 / 4,091.2 of the 0.5 % headroom; the flexible view counts the
    # 908.8 MW above it.
    region = get_region("pjm-dominion")
    members = [Member("big", flat(5000), 2026)]
    result = portfolio_study(
        members=members, years=YEARS, region=region, system_load_mw=peaky_system(), use_published_headroom=True
    )
    assert [row["headroom_mw"] for row in result.headroom] == [3354.2, 4091.2, 5020.4, 8312.8]
    year = result.yearly[0]
    used = {row["rate_pct"]: row["used_frac"] for row in year["headroom_used"]}
    assert used[0.5] == pytest.approx(5000 / 4091.2, abs=1e-4)
    assert year["flexible_firm_mw"] == pytest.approx(908.8, abs=0.05)
    assert year["bills"]["flexible"]["peak_mw_counted"] == pytest.approx(908.8, abs=0.05)
