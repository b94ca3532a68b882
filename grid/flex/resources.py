"""Flexibility resources of one facility-year, and their sourced defaults.

Units in names: MW, MWh, Mtok (million output tokens), USD. Hourly arrays have one value per
hour of the modelled year (8,760). Defaults come from grid/data/flexibility.yaml with their
source; :func:`default_figure` returns a figure with its unit and source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from grid.cost import monthly_peaks

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "flexibility.yaml"
BTU_PER_MMBTU = 1e6
KWH_PER_MWH = 1e3
KG_PER_T = 1e3
TECHNOLOGIES = ("diesel_backup", "gas_reciprocating", "gas_turbine")


class FlexibilityError(ValueError):
    """Bad flexibility input; ``field`` names the scenario path when known."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class Figure:
    value: Any
    unit: str
    source: str
    assumption: str | None = None
    verify: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = {"value": self.value, "unit": self.unit, "source": self.source}
        if self.assumption:
            out["assumption"] = self.assumption
        if self.verify:
            out["verify"] = True
        return out


@cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def _figure(raw: dict[str, Any]) -> Figure:
    refs = _data()["references"]
    key, _, detail = str(raw["s"]).partition(" — ")
    source = refs.get(key, key) + (f" — {detail}" if detail else "")
    return Figure(
        value=raw["v"], unit=str(raw["u"]), source=source, assumption=raw.get("a"), verify=bool(raw.get("verify"))
    )


def default_figure(*path: str) -> Figure:
    """A default with its unit and source: ``default_figure("generation", "diesel_backup", "run_hours_per_year")``."""
    node: Any = _data()
    for part in path:
        node = node[part]
    return _figure(node)


@dataclass(frozen=True)
class Battery:
    """A battery at the meter. Power [MW] both ways, energy [MWh]; state of charge is cyclic over the year."""

    power_mw: float
    energy_mwh: float
    round_trip_efficiency_frac: float
    degradation_usd_per_mwh: float  # per MWh discharged

    def __post_init__(self) -> None:
        if self.power_mw < 0 or self.energy_mwh < 0:
            raise FlexibilityError("power_mw and energy_mwh must be ≥ 0", field="flexibility.battery")
        if not 0 < self.round_trip_efficiency_frac <= 1:
            raise FlexibilityError("must be in (0, 1]", field="flexibility.battery.round_trip_efficiency_frac")

    @property
    def one_way_efficiency_frac(self) -> float:
        """√(round trip): the loss split evenly between charging and discharging (assumption)."""
        return float(np.sqrt(self.round_trip_efficiency_frac))


@dataclass(frozen=True)
class Generator:
    """On-site generation at the meter. Cost and emissions per MWh follow from heat rate × fuel."""

    power_mw: float
    technology: str
    heat_rate_btu_per_kwh: float
    fuel_price_usd_per_mmbtu: float
    emission_kg_co2_per_mmbtu: float
    run_hours_per_year: float  # counted at full output: energy ≤ power × hours (LP relaxation)
    events_only: bool

    @property
    def fuel_mmbtu_per_mwh(self) -> float:
        return self.heat_rate_btu_per_kwh * KWH_PER_MWH / BTU_PER_MMBTU

    @property
    def fuel_usd_per_mwh(self) -> float:
        return self.fuel_mmbtu_per_mwh * self.fuel_price_usd_per_mmbtu

    @property
    def emission_t_per_mwh(self) -> float:
        return self.fuel_mmbtu_per_mwh * self.emission_kg_co2_per_mmbtu / KG_PER_T


@dataclass(frozen=True)
class CapOptions:
    """A pool's power-cap levels in one year: level k's meter saving and lost tokens each hour.

    ``cap_frac[k]`` is the level's power limit as a share of the pool's own limit; the engine's
    full-load figures at that level (``power_frac``, ``throughput_frac``, at the latency targets)
    are kept for the report. ``saving_mw[k, t]`` [MW at the meter] and ``lost_mtok[k, t]`` [Mtok
    in hour t] are relative to the uncapped hour.
    """

    pool: str
    cap_frac: tuple[float, ...]
    power_frac: tuple[float, ...]
    throughput_frac: tuple[float, ...]
    saving_mw: np.ndarray  # (levels, hours)
    lost_mtok: np.ndarray  # (levels, hours)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeferrableTier:
    """Work that may wait up to ``deadline_h`` hours: arrivals [Mtok/h] and meter energy [MWh/Mtok]."""

    name: str
    arrivals_mtok: np.ndarray  # (hours,)
    meter_mwh_per_mtok: np.ndarray  # (hours,) energy at the meter of one Mtok served in that hour
    deadline_h: int
    spare_mtok: np.ndarray | None = None  # (hours,) capacity left to catch up [Mtok/h]; None: unlimited

    def __post_init__(self) -> None:
        if self.deadline_h < 1:
            raise FlexibilityError("must be ≥ 1 hour", field=f"flexibility.deferrable[{self.name}].deadline_h")


@dataclass(frozen=True)
class Prices:
    """What the objective weighs: energy [USD/MWh] each hour, demand charge, tokens deferred or lost."""

    energy_usd_per_mwh: np.ndarray
    demand_charge_usd_per_kw_month: float
    lost_usd_per_mtok: float
    deferral_usd_per_mtok_hour: float  # per Mtok per hour it waits
    minimum_billing_demand_mw: float = 0.0  # a large-load tariff bills at least this each month [MW]

    def billing_demand_mw(self, *, power_mw: np.ndarray, month: np.ndarray) -> np.ndarray:
        """Each month's billed demand [MW]: its peak, or the tariff's minimum when higher (grid.cost)."""
        peaks = monthly_peaks(np.asarray(power_mw, dtype=float), np.asarray(month))
        return np.maximum(peaks, self.minimum_billing_demand_mw)


@dataclass(frozen=True)
class FlexProblem:
    """One facility-year to dispatch. ``cap_mw`` is the meter cap each hour (inf: no event)."""

    baseline_meter_mw: np.ndarray
    cap_mw: np.ndarray
    month: np.ndarray  # 1–12 per hour
    prices: Prices
    caps: tuple[CapOptions, ...] = ()
    tiers: tuple[DeferrableTier, ...] = ()
    battery: Battery | None = None
    generator: Generator | None = None
    year: int = 2027
    shed_mtok_per_mw: np.ndarray | None = None  # load shedding allowed: Mtok lost per meter MW shed each hour
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def hours(self) -> int:
        return int(self.baseline_meter_mw.size)
