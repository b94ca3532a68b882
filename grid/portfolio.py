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

System load, one geography (the region's, named in ``geography``): real hours by default
(grid.system_load: the region's history years rebuilt from their real daily peaks) or an uploaded
series, grown to each study year by one factor s_y = (1 + g)^(y − base year), g the region's
load_growth_frac_per_year. One factor on every hour scales the seasonal thresholds, the room
below them and the headroom by s_y exactly, and leaves the 5CP hours where they are; the system
peak of year y is s_y × the history's largest hour. On a smooth month × hour profile (an own
region with only a profile) the headroom is the region's published figures and curtailment is
not assessed: a smooth profile's repeated daily peak is no basis for it (the result says so).
Capacity prices follow the market's demand curve and collar by delivery year
(grid.capacity_market). Everything here is pure NumPy; the Django app only gathers the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grid import bills, headroom, reliability
from grid.capacity_market import CapacityYear, capacity_year
from grid.constants import HOURS_PER_YEAR
from grid.cost import month_of_hour
from grid.regions import HEADROOM_FIELDS, PORTFOLIO_FIELDS, Region

RAMP_UNITS = ("share", "mw")
FLEX_RATE_FRAC = 0.005  # flexible bill view: headroom at 0.5 % curtailment (as in planner.engine.grid_stage)
CURTAILMENT_ORDER = "queue order: earlier in-service year first (then listed order); later arrivals curtailed first"
REQUIRED = PORTFOLIO_FIELDS  # the region figures a portfolio study needs (one definition: grid.regions)
SMOOTH_PROFILE_NOTE = (
    "not assessed: the system load is a smooth month × hour profile, whose repeated daily peak is no basis "
    "for curtailment — upload an hourly system load (or use a region with real hours)"
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


def _bill_inputs(
    region: Region, *, cp_mw: float, firm_mw: float, contract_mw: float, power_mw: np.ndarray, market: CapacityYear
) -> bills.BillInputs:
    return bills.inputs_for_region(
        region, coincident_mw=cp_mw, firm_mw=firm_mw, contract_mw=contract_mw, power_mw=power_mw, capacity_curve=market
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


@dataclass(frozen=True)
class _System:
    """The system's base-year quantities; a study year multiplies the MW ones by its growth factor."""

    room_mw: np.ndarray  # (K, H) room below the seasonal thresholds
    cp_hours: np.ndarray  # (K, 5) 5CP hours
    headroom: list[dict[str, Any]]  # rows at the study's rates
    peak_mw: float  # the history's largest hour (real hours) or the region's system_peak_mw (smooth)
    real_hours: bool


def _scaled_headroom(rows: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    keys = ("headroom_mw", "curtailed_mwh_per_year")
    return [{k: (_r(x * factor, 1) if k in keys and x is not None else x) for k, x in row.items()} for row in rows]


def portfolio_study(
    *,
    members: Sequence[Member],
    years: Sequence[int],
    region: Region,
    system_load_mw: np.ndarray,
    load_scale_by_year: Sequence[float] | None = None,
    real_hours: bool = True,
) -> PortfolioResult:
    """Study a portfolio year by year (see module doc). `system_load_mw`: (history years, 8,760) [MW]
    at the base year's level; `load_scale_by_year`: its growth factor in each study year (default 1).

    `real_hours` False: the load is a smooth month × hour profile — the headroom (and the flexible
    view's firm MW) comes from the region's published figures and curtailment is not assessed.
    """
    system_load = _check(members, years, region, system_load_mw)
    scales = np.ones(len(years)) if load_scale_by_year is None else np.asarray(load_scale_by_year, dtype=float)
    if scales.shape != (len(years),) or not np.all(np.isfinite(scales)) or np.any(scales <= 0):
        raise PortfolioError(f"needs one factor > 0 per study year ({len(years)})", field="load_scale_by_year")
    order = sorted(range(len(members)), key=lambda i: (members[i].in_service_year, i))
    members = [members[i] for i in order]
    scale = ramp_scale(members, years)
    power = np.stack([np.asarray(m.power_mw, dtype=float) for m in members])
    member_mw = scale[:, :, None] * power[:, None, :]  # (F, Y, H)
    system = _system_state(region, system_load, real_hours)
    member_cp = _cp_mw(member_mw, system.cp_hours)  # (F, Y)
    names = [m.name for m in members]
    yearly = [
        _year(region, int(year), names, member_mw[:, y], member_cp[:, y], system, float(scales[y]))
        for y, year in enumerate(years)
    ]
    warnings = []
    if not any(r["rate_pct"] == FLEX_RATE_FRAC * 100 and r["headroom_mw"] for r in system.headroom):
        warnings.append("no headroom at 0.5 % curtailment on this system load: the flexible view counts the whole peak")
    if not real_hours:
        warnings.append(f"curtailment {SMOOTH_PROFILE_NOTE}")
    return PortfolioResult(
        years=tuple(int(y) for y in years),
        members=tuple(m.name for m in members),
        yearly=yearly,
        headroom=_scaled_headroom(system.headroom, float(scales[0])),
        member_mw=member_mw,
        warnings=tuple(warnings),
    )


def _system_state(region: Region, system_load: np.ndarray, real_hours: bool) -> _System:
    room, cp_hours, rows = _system(system_load)
    if real_hours:
        return _System(room, cp_hours, rows, float(system_load.max()), True)
    published = published_headroom(region)
    if not published:
        raise PortfolioError(
            f"region {region.slug!r} has only a smooth system-load profile and no headroom_mw_* figures: "
            "upload an hourly system load",
            field="region",
        )
    return _System(room, cp_hours, published, region.value("system_peak_mw"), False)


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


def _curtailment(
    names: Sequence[str], member_mw: np.ndarray, room: np.ndarray, cp_hours: np.ndarray
) -> tuple[dict[str, Any], float, np.ndarray]:
    """Queue-order curtailment within `room` (K, H): the result's section, the served coincident peak and load."""
    aggregate = member_mw.sum(axis=0)
    cut = allocate_curtailment(load_mw=member_mw, room_mw=room)  # (F, K, H)
    served = aggregate[None, :] - cut.sum(axis=0)  # (K, H)
    served_cp = float(np.mean([served[k, cp_hours[k]].mean() for k in range(served.shape[0])]))
    energy = member_mw.sum(axis=1)
    curtailed = cut.sum(axis=2).mean(axis=1)  # (F,) MWh per year, mean over history years
    hours = (cut > 1e-9).sum(axis=2).mean(axis=1)
    section = {
        "assessed": True,
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
    }
    return section, served_cp, served.mean(axis=0)


def _capacity(region: Region, year: int, member_cp: np.ndarray) -> tuple[CapacityYear, dict[str, Any]]:
    market = capacity_year(region, year)
    cp = float(member_cp.sum())
    separate = sum(market.step_usd_per_mw_day(added_peak_mw=float(c)) for c in member_cp)
    return market, {
        "capacity_price_step_usd_per_mw_day": _r(market.step_usd_per_mw_day(added_peak_mw=cp), 4),
        "sum_of_member_steps_usd_per_mw_day": _r(separate, 4),
        "capacity_market": market.to_dict(added_peak_mw=cp),
    }


def _year(
    region: Region,
    year: int,
    names: Sequence[str],
    member_mw: np.ndarray,
    member_cp: np.ndarray,
    system: _System,
    growth: float,
) -> dict[str, Any]:
    """One study year: member_mw (F, H), member_cp (F,); the system's MW quantities × `growth`."""
    v = region.value
    aggregate = member_mw.sum(axis=0)
    cp = float(member_cp.sum())
    contract = float(member_mw.max(axis=1).sum())
    system_headroom = _scaled_headroom(system.headroom, growth)
    flex_mw = next(
        (r["headroom_mw"] for r in system_headroom if r["rate_pct"] == FLEX_RATE_FRAC * 100 and r["headroom_mw"]), None
    )
    system_peak = system.peak_mw * growth
    market, capacity = _capacity(region, year, member_cp)
    reserve = reliability.reserve_margin_change(
        system_peak_mw=system_peak,
        reserve_margin_frac=v("reserve_margin_frac"),
        added_peak_mw=cp,
        target_frac=v("reserve_margin_target_frac"),
    )
    # Flexible view: only the load above the 0.5 % headroom is firm at the peak (as in grid_stage).
    firm = cp if flex_mw is None else max(0.0, cp - flex_mw)
    inputs = _bill_inputs(region, cp_mw=cp, firm_mw=firm, contract_mw=contract, power_mw=aggregate, market=market)
    out = {
        "year": year,
        "system_load_growth_factor": _r(growth, 4),
        "member_coincident_mw": {n: _r(c, 2) for n, c in zip(names, member_cp, strict=True)},
        "member_peak_mw": {n: _r(p, 2) for n, p in zip(names, member_mw.max(axis=1), strict=True)},
        "aggregate_coincident_peak_mw": _r(cp, 2),
        "flexible_firm_mw": _r(firm, 1),
        "aggregate_peak_mw": _r(aggregate.max(), 2),
        "aggregate_energy_mwh": _r(aggregate.sum(), 0),
        "system_peak_mw": _r(system_peak, 0),
        "share_of_system_peak_pct": _r(reliability.peak_share_pct(facility_peak_mw=cp, system_peak_mw=system_peak), 4),
        "reserve_margin": {
            "before_pct": _r(100 * reserve.before_frac, 3),
            "after_pct": _r(100 * reserve.after_frac, 3),
            "target_pct": _r(100 * reserve.target_frac, 3),
            "shortfall_mw": _r(reserve.shortfall_mw, 1),
        },
        **capacity,
        "energy_price_rise_usd_per_mwh": _r(v("energy_price_slope_usd_per_mwh_per_gw") * aggregate.mean() / 1e3, 4),
        "transmission_upgrade_mw": _r(cp, 2),
        "transmission_upgrade_cost_usd": _r(cp * 1e3 * v("transmission_upgrade_cost_usd_per_kw"), 0),
        "bills": _views(inputs),
        "headroom_used": _headroom_used(aggregate, system_headroom),
    }
    if not system.real_hours:
        out["curtailment"] = {"assessed": False, "reason": SMOOTH_PROFILE_NOTE, "members": {}}
        out["bills_if_curtailed"] = None
        return out
    section, served_cp, served_mean = _curtailment(names, member_mw, system.room_mw * growth, system.cp_hours)
    out["curtailment"] = section
    out["bills_if_curtailed"] = _views(
        _bill_inputs(
            region, cp_mw=served_cp, firm_mw=served_cp, contract_mw=contract, power_mw=served_mean, market=market
        )
    )
    return out
