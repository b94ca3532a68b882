"""Large-load portfolios: a queue of facilities studied year by year on one system's hourly load.

A utility does not face one data center but a queue of them. A portfolio is a set of members
(each a facility's hourly load [MW] for a typical year, an in-service year and a ramp), placed in
one grid region and studied over a horizon of years. Each year, vectorised over hours:

- member load  P_f,y(h) = s_f,y × P_f(h); s_f,y = 0 before the in-service year, then the ramp
  (a share of the final load, or MW of its peak → share = MW / peak) year by year, the last
  value holding after the ramp ends;
- aggregate   A_y(h) = Σ_f P_f,y(h); its coincident peak is its mean in the system's 5 highest
  daily peak hours (5CP, grid.reliability), averaged over the history years of system load;
- reserve margin, share of system peak (grid.reliability) and the capacity price step
  (grid.bills) are computed on the AGGREGATE coincident peak — with a price cap the step is not
  additive, so the sum of the members' separate steps is shown beside it for comparison;
- household bills in the three views (grid.bills: socialised, large-load tariff, flexible);
- curtailment-enabled headroom of the system (grid.headroom, Norris et al. 2025, the study's
  all-period thresholds over the history years) and how much of it the aggregate uses;
- the curtailment that keeps the system within its historical seasonal peaks θ: each history
  year k, room_k(h) = max(0, θ(h) − load_k(h)) is given to members in queue order (first in
  service first; later arrivals are curtailed first — assumption, stated in the result), the
  rest of each member's load is curtailed; rates and hours are means over history years; the
  bills are recomputed on the load that stays (``bills_if_curtailed``).

The system load is the same every study year (history years × 8,760 h; no load growth): a
stated simplification. Everything here is pure NumPy; the Django app only gathers the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grid import bills, headroom, reliability
from grid.constants import HOURS_PER_YEAR
from grid.cost import month_of_hour
from grid.regions import HEADROOM_FIELDS, Region

RAMP_UNITS = ("share", "mw")
FLEX_RATE_FRAC = 0.005  # flexible bill view: headroom at 0.5 % curtailment (as in planner.engine.grid_stage)
CURTAILMENT_ORDER = "queue order: earlier in-service year first (then listed order); later arrivals curtailed first"
REQUIRED = (
    "capacity_price_usd_per_mw_day",
    "capacity_price_slope_usd_per_mw_day_per_gw",
    "transmission_rate_usd_per_kw_year",
    "transmission_upgrade_cost_usd_per_kw",
    "fixed_charge_rate_frac",
    "residential_transmission_share_frac",
    "residential_capacity_obligation_kw",
    "energy_price_slope_usd_per_mwh_per_gw",
    "residential_customers",
    "household_use_kwh_per_month",
    "household_bill_usd_per_month",
    "system_peak_mw",
    "reserve_margin_frac",
    "reserve_margin_target_frac",
    "large_load_min_demand_td_frac",
)


class PortfolioError(ValueError):
    """Bad portfolio input; `field` is the path of the offending field (e.g. ``members[1].ramp[2]``)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Member:
    name: str
    power_mw: np.ndarray  # final hourly load of the facility, 8,760 values [MW]
    in_service_year: int
    ramp: tuple[float, ...] = (1.0,)  # values for in_service_year, +1, …; the last holds afterwards
    ramp_unit: str = "share"  # "share" of the final load, or "mw" of its peak


@dataclass(frozen=True)
class PortfolioResult:
    years: tuple[int, ...]
    members: tuple[str, ...]
    yearly: list[dict[str, Any]]
    headroom: list[dict[str, Any]]  # the system's headroom at the study's rates
    member_mw: np.ndarray = field(repr=False)  # (members, years, 8,760) hourly load [MW]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "years": list(self.years),
            "members": list(self.members),
            "yearly": self.yearly,
            "headroom": self.headroom,
            "curtailment_order": CURTAILMENT_ORDER,
            "warnings": list(self.warnings),
        }


def _r(x: float, digits: int = 3) -> float:
    return round(float(x), digits)


def ramp_scale(members: Sequence[Member], years: Sequence[int]) -> np.ndarray:
    """Share s_f,y of each member's final load in each study year, shape (members, years)."""
    years_arr = np.asarray(years, dtype=int)
    scale = np.zeros((len(members), years_arr.size))
    for i, m in enumerate(members):
        where = f"members[{i}]"
        if m.ramp_unit not in RAMP_UNITS:
            raise PortfolioError(f"{m.ramp_unit!r} is not one of {', '.join(RAMP_UNITS)}", field=f"{where}.ramp_unit")
        if not m.ramp:
            raise PortfolioError("needs at least one value", field=f"{where}.ramp")
        if m.in_service_year > years_arr[-1]:
            raise PortfolioError(
                f"{m.in_service_year} is after the horizon's last year {years_arr[-1]}",
                field=f"{where}.in_service_year",
            )
        peak = float(np.max(m.power_mw))
        values = np.asarray(m.ramp, dtype=float)
        if m.ramp_unit == "mw":
            for j, v in enumerate(values):
                if not 0 <= v <= peak * (1 + 1e-9):
                    raise PortfolioError(
                        f"{v:g} MW is not within 0–{peak:.1f} MW (the final peak)", field=f"{where}.ramp[{j}]"
                    )
            values = values / peak if peak > 0 else values * 0
        for j, v in enumerate(values):
            if not 0 <= v <= 1 + 1e-12:
                raise PortfolioError(
                    f"{v:g} is not a share within 0–100 % of the final load", field=f"{where}.ramp[{j}]"
                )
        index = years_arr - m.in_service_year
        scale[i] = np.where(index < 0, 0.0, values[np.clip(index, 0, values.size - 1)])
    return scale


def allocate_curtailment(*, load_mw: np.ndarray, room_mw: np.ndarray) -> np.ndarray:
    """Curtailment [MW] of each member (rows of `load_mw`, in queue order) within `room_mw`.

    `load_mw` (members, 8,760), `room_mw` (history years, 8,760) ≥ 0. Member f is served
    clip(room − Σ_{g<f} load_g, 0, load_f); the rest is curtailed. Returns (members, history years, 8,760).
    """
    before = np.cumsum(load_mw, axis=0) - load_mw  # load of members ahead in the queue
    served = np.clip(room_mw[None, :, :] - before[:, None, :], 0.0, load_mw[:, None, :])
    return load_mw[:, None, :] - served


def _system(system_load_mw: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Room below the all-period seasonal thresholds (K, H), 5CP hours (K, 5) and the system's headroom."""
    history = system_load_mw.shape[0]
    months = np.tile(month_of_hour(), history)
    labels = np.repeat(np.arange(history), HOURS_PER_YEAR)
    flat = system_load_mw.ravel()
    threshold = headroom.seasonal_threshold_mw(load_mw=flat, month=months).reshape(system_load_mw.shape)
    rows = headroom.headroom_all_years(load_mw=flat, month=months, year=labels)
    for row in rows:
        row.pop("by_year", None)
    cp_hours = reliability.coincident_peak_hours(system_load_mw=system_load_mw)
    return np.maximum(threshold - system_load_mw, 0.0), cp_hours, rows


def _cp_mw(power_mw: np.ndarray, cp_hours: np.ndarray) -> np.ndarray:
    """Mean of `power_mw` (…, H) in each history year's 5CP hours, then over history years → (…)."""
    return power_mw[..., cp_hours].mean(axis=(-1, -2))


def _bill_inputs(region: Region, *, cp_mw: float, firm_mw: float, contract_mw: float, power_mw: np.ndarray):
    v = region.value
    return bills.BillInputs(
        coincident_peak_mw=cp_mw,
        firm_peak_mw=firm_mw,
        contract_mw=contract_mw,
        power_mw=power_mw,
        capacity_price_slope_usd_per_mw_day_per_gw=v("capacity_price_slope_usd_per_mw_day_per_gw"),
        residential_capacity_obligation_kw=v("residential_capacity_obligation_kw"),
        transmission_upgrade_cost_usd_per_kw=v("transmission_upgrade_cost_usd_per_kw"),
        fixed_charge_rate_frac=v("fixed_charge_rate_frac"),
        residential_transmission_share_frac=v("residential_transmission_share_frac"),
        transmission_rate_usd_per_kw_year=v("transmission_rate_usd_per_kw_year"),
        large_load_min_demand_td_frac=v("large_load_min_demand_td_frac"),
        energy_price_slope_usd_per_mwh_per_gw=v("energy_price_slope_usd_per_mwh_per_gw"),
        residential_customers=v("residential_customers"),
        household_use_kwh_per_month=v("household_use_kwh_per_month"),
        household_bill_usd_per_month=v("household_bill_usd_per_month"),
        capacity_price_cap_room_usd_per_mw_day=bills.cap_room_usd_per_mw_day(region),
    )


def _views(inputs: bills.BillInputs) -> dict[str, dict[str, float]]:
    return {view: {k: _r(x, 4) for k, x in bills.bill_view(inputs, view=view).items()} for view in bills.VIEWS}


def _check(members: Sequence[Member], years: Sequence[int], region: Region, system_load_mw: np.ndarray) -> np.ndarray:
    if not members:
        raise PortfolioError("a portfolio needs at least one member", field="members")
    if len(years) == 0 or list(years) != list(range(years[0], years[0] + len(years))):
        raise PortfolioError("must be consecutive years", field="years")
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise PortfolioError("member names must be unique", field="members")
    for i, m in enumerate(members):
        power = np.asarray(m.power_mw, dtype=float)
        if power.shape != (HOURS_PER_YEAR,) or not np.all(np.isfinite(power)) or np.any(power < 0):
            raise PortfolioError(
                f"needs {HOURS_PER_YEAR} finite hourly values ≥ 0 [MW]", field=f"members[{i}].power_mw"
            )
    missing = region.missing(list(REQUIRED))
    if missing:
        raise PortfolioError(f"region {region.slug!r} lacks {', '.join(missing)}", field="region")
    load = np.atleast_2d(np.asarray(system_load_mw, dtype=float))
    if load.ndim != 2 or load.shape[1] != HOURS_PER_YEAR or not np.all(np.isfinite(load)) or np.any(load < 0):
        raise PortfolioError(
            f"needs history years × {HOURS_PER_YEAR} finite hourly values ≥ 0 [MW]", field="system_load"
        )
    return load


def published_headroom(region: Region) -> list[dict[str, Any]]:
    """The region's own headroom figures (headroom_mw_* in grid/data/regions.yaml) as headroom rows."""
    return [
        {
            "rate_pct": round(rate * 100, 4),
            "headroom_mw": region.figures[name].value,
            "source": region.figures[name].source,
        }
        for rate, name in HEADROOM_FIELDS.items()
        if name in region.figures
    ]


def portfolio_study(
    *,
    members: Sequence[Member],
    years: Sequence[int],
    region: Region,
    system_load_mw: np.ndarray,
    use_published_headroom: bool = False,
) -> PortfolioResult:
    """Study a portfolio year by year (see module doc). `system_load_mw`: (history years, 8,760) [MW].

    `use_published_headroom`: take the headroom (and the flexible view's firm MW) from the region's
    figures instead of solving it on `system_load_mw` — for a smooth profile, whose repeated daily
    peaks are no basis for the study's method (the curtailment allocation still uses the profile).
    """
    system = _check(members, years, region, system_load_mw)
    order = sorted(range(len(members)), key=lambda i: (members[i].in_service_year, i))
    members = [members[i] for i in order]
    scale = ramp_scale(members, years)
    power = np.stack([np.asarray(m.power_mw, dtype=float) for m in members])
    member_mw = scale[:, :, None] * power[:, None, :]  # (F, Y, H)
    aggregate = member_mw.sum(axis=0)  # (Y, H)
    room, cp_hours, system_headroom = _system(system)
    if use_published_headroom:
        system_headroom = published_headroom(region)
        if not system_headroom:
            raise PortfolioError(f"region {region.slug!r} has no headroom_mw_* figures", field="region")
    member_cp = _cp_mw(member_mw, cp_hours)  # (F, Y)
    flex_mw = next((r["headroom_mw"] for r in system_headroom if r["rate_pct"] == FLEX_RATE_FRAC * 100), None)
    names = [m.name for m in members]
    yearly = [
        _year(region, int(year), names, member_mw[:, y], member_cp[:, y], room, cp_hours, flex_mw)
        | {"headroom_used": _headroom_used(aggregate[y], system_headroom)}
        for y, year in enumerate(years)
    ]
    warnings = []
    if flex_mw is None:
        warnings.append("no headroom at 0.5 % curtailment on this system load: the flexible view counts the whole peak")
    return PortfolioResult(
        years=tuple(int(y) for y in years),
        members=tuple(m.name for m in members),
        yearly=yearly,
        headroom=system_headroom,
        member_mw=member_mw,
        warnings=tuple(warnings),
    )


def _headroom_used(aggregate_mw: np.ndarray, system_headroom: list[dict[str, Any]]) -> list[dict[str, Any]]:
    peak = float(aggregate_mw.max())
    return [
        {
            "rate_pct": row["rate_pct"],
            "headroom_mw": row["headroom_mw"],
            "used_frac": None if not row["headroom_mw"] else _r(peak / row["headroom_mw"], 4),
        }
        for row in system_headroom
    ]


def _year(region, year, names, member_mw, member_cp, room, cp_hours, flex_mw) -> dict[str, Any]:
    """One study year: member_mw (F, H), member_cp (F,), room (K, H); flex_mw = headroom at 0.5 % or None."""
    v = region.value
    aggregate = member_mw.sum(axis=0)
    cp = float(member_cp.sum())
    contract = float(member_mw.max(axis=1).sum())
    cut = allocate_curtailment(load_mw=member_mw, room_mw=room)  # (F, K, H)
    served = aggregate[None, :] - cut.sum(axis=0)  # (K, H)
    served_cp = float(np.mean([served[k, cp_hours[k]].mean() for k in range(served.shape[0])]))
    cap_room = bills.cap_room_usd_per_mw_day(region)
    slope = v("capacity_price_slope_usd_per_mw_day_per_gw")
    step = bills.capacity_price_step_usd_per_mw_day(
        slope_usd_per_mw_day_per_gw=slope, added_peak_mw=cp, cap_room_usd_per_mw_day=cap_room
    )
    separate = sum(
        bills.capacity_price_step_usd_per_mw_day(
            slope_usd_per_mw_day_per_gw=slope, added_peak_mw=float(c), cap_room_usd_per_mw_day=cap_room
        )
        for c in member_cp
    )
    reserve = reliability.reserve_margin_change(
        system_peak_mw=v("system_peak_mw"),
        reserve_margin_frac=v("reserve_margin_frac"),
        added_peak_mw=cp,
        target_frac=v("reserve_margin_target_frac"),
    )
    energy = member_mw.sum(axis=1)
    curtailed = cut.sum(axis=2).mean(axis=1)  # (F,) MWh per year, mean over history years
    hours = (cut > 1e-9).sum(axis=2).mean(axis=1)
    # Flexible view: only the load above the 0.5 % headroom is firm at the peak (as in grid_stage).
    firm = cp if flex_mw is None else max(0.0, cp - flex_mw)
    inputs = _bill_inputs(region, cp_mw=cp, firm_mw=firm, contract_mw=contract, power_mw=aggregate)
    curtailed_inputs = _bill_inputs(
        region, cp_mw=served_cp, firm_mw=served_cp, contract_mw=contract, power_mw=served.mean(axis=0)
    )
    return {
        "year": year,
        "member_coincident_mw": {n: _r(c, 2) for n, c in zip(names, member_cp, strict=True)},
        "member_peak_mw": {n: _r(p, 2) for n, p in zip(names, member_mw.max(axis=1), strict=True)},
        "aggregate_coincident_peak_mw": _r(cp, 2),
        "flexible_firm_mw": _r(firm, 1),
        "aggregate_peak_mw": _r(aggregate.max(), 2),
        "aggregate_energy_mwh": _r(aggregate.sum(), 0),
        "system_peak_mw": v("system_peak_mw"),
        "share_of_system_peak_pct": _r(
            reliability.peak_share_pct(facility_peak_mw=cp, system_peak_mw=v("system_peak_mw")), 4
        ),
        "reserve_margin": {
            "before_pct": _r(100 * reserve.before_frac, 3),
            "after_pct": _r(100 * reserve.after_frac, 3),
            "target_pct": _r(100 * reserve.target_frac, 3),
            "shortfall_mw": _r(reserve.shortfall_mw, 1),
        },
        "capacity_price_step_usd_per_mw_day": _r(step, 4),
        "sum_of_member_steps_usd_per_mw_day": _r(separate, 4),
        "energy_price_rise_usd_per_mwh": _r(v("energy_price_slope_usd_per_mwh_per_gw") * aggregate.mean() / 1e3, 4),
        "transmission_upgrade_mw": _r(cp, 2),
        "transmission_upgrade_cost_usd": _r(cp * 1e3 * v("transmission_upgrade_cost_usd_per_kw"), 0),
        "bills": _views(inputs),
        "curtailment": {
            "aggregate_rate_frac": _r(curtailed.sum() / energy.sum(), 6) if energy.sum() else 0.0,
            "members": {
                n: {
                    "must_curtail": bool(c > 1e-6),
                    "curtailed_mwh_per_year": _r(c, 1),
                    "rate_frac": _r(c / e, 6) if e else 0.0,
                    "hours_per_year": _r(h, 1),
                }
                for n, c, e, h in zip(names, curtailed, energy, hours, strict=True)
            },
            "served_coincident_peak_mw": _r(served_cp, 2),
        },
        "bills_if_curtailed": _views(curtailed_inputs),
    }
