"""Cooling power and water from hourly weather, for the five cooling technologies of the schema.

Heat to remove each hour = IT power + power-chain losses inside the building + lighting. A
technology splits it into a liquid share (direct-to-chip, immersion: ``liquid_capture_frac`` of
IT heat, rejected by dry coolers) and an air share (everything else), and cools each share with:

- ``airside``: outdoor air when dry bulb and dew point allow; an integrated economiser covers
  the fraction ``clip((T_return - T_outdoor) / (T_return - T_supply), 0, 1)`` of the heat and an
  air-cooled chiller the rest (chiller COP from its condenser temperature, see
  ``chiller_cop``);
- ``waterside``: cooling towers cool the chilled water through a heat exchanger when the wet
  bulb allows (same integrated form on the chilled-water temperatures); a water-cooled chiller
  takes the rest with condenser water at wet bulb + tower approach; towers evaporate water;
- ``evaporative``: outdoor air, evaporatively cooled towards the wet bulb (effectiveness ε) when
  warmer than the supply set point; a DX trim covers what evaporation cannot reach; water =
  evaporated mass + bleed;
- ``dry_cooler`` (liquid share): warm facility water cooled by dry coolers at dry bulb +
  approach; a trim chiller (evaporator at the liquid supply temperature) covers hot hours.

Fans and pumps are fractions of the heat they move (linear with load: variable-speed drives).
Parameters and their sources: grid/data/cooling.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import yaml

from grid.constants import (
    AIR_SPECIFIC_HEAT_J_PER_KG_K,
    SECONDS_PER_HOUR,
    WATER_DENSITY_KG_PER_M3,
    WATER_LATENT_HEAT_J_PER_KG,
    ZERO_C_IN_K,
)
from grid.identity_cache import IdentityCache
from grid.weather import HourlyWeather

COOLING_PATH = Path(__file__).resolve().parent / "data" / "cooling.yaml"
CHILLED_WATER_DELTA_T_K = 6.0  # chilled-water return - supply, typical design (assumption)
LIQUID_DELTA_T_K = 10.0  # facility-water return - supply on a liquid loop, typical (assumption)


class CoolingError(ValueError):
    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


@cache
def cooling_catalog() -> dict:
    return yaml.safe_load(COOLING_PATH.read_text(encoding="utf-8"))


def cooling_type(name: str) -> dict:
    types = cooling_catalog()["types"]
    if name not in types:
        raise CoolingError(
            f"site.cooling: unknown cooling type {name!r}; known: {', '.join(types)}", field="site.cooling"
        )
    return types[name]


def ashrae_class(name: str) -> dict:
    classes = cooling_catalog()["ashrae_classes"]
    if name not in classes:
        raise CoolingError(
            f"site.ashrae_class: must be one of {', '.join(classes)}, not {name!r}", field="site.ashrae_class"
        )
    return classes[name]


def chiller_cop(*, chiller: str, chilled_water_c: float, condenser_medium_c: np.ndarray) -> np.ndarray:
    """Chiller COP [-] as a fixed fraction of Carnot, fitted at the AHRI rating point (cooling.yaml)."""
    data = cooling_catalog()
    spec = data["chillers"][chiller]

    def carnot(chw_c: float, medium_c: np.ndarray | float) -> np.ndarray:
        evaporator_k = chw_c - spec["evaporator_approach_k"] + ZERO_C_IN_K
        condenser_k = np.asarray(medium_c, dtype=float) + spec["condenser_approach_k"] + ZERO_C_IN_K
        lift = np.maximum(condenser_k - evaporator_k, data["min_lift_k"])
        return evaporator_k / lift

    eta = spec["rated_cop"] / carnot(spec["rating_chilled_water_c"], spec["rating_condenser_c"])
    medium = np.asarray(condenser_medium_c, dtype=float)
    if "min_condenser_water_c" in spec:
        medium = np.maximum(medium, spec["min_condenser_water_c"])
    return np.minimum(eta * carnot(chilled_water_c, medium), data["max_cop"])


def integrated_economizer_frac(*, source_c: np.ndarray, supply_c: float, return_c: float) -> np.ndarray:
    """Share of the heat that free cooling removes, for a free source at ``source_c`` [°C]."""
    return np.clip((return_c - source_c) / (return_c - supply_c), 0.0, 1.0)


def it_power_factor(*, cooling: str, ashrae: str) -> float:
    """Multiplier on air-cooled IT power: liquid removes captured server-fan power; hot inlets add some."""
    data = cooling_catalog()
    spec = cooling_type(cooling)
    capture = float(spec["liquid_capture_frac"])
    if capture > 0:
        return 1.0 - data["server_fan_frac_of_it"] * capture
    supply = ashrae_class(ashrae)["supply_air_c"]
    return 1.0 + data["server_power_rise_frac_per_k_above_27c"] * max(0.0, supply - 27.0)


@dataclass(frozen=True)
class CoolingHourly:
    """Hourly cooling electricity [W] by part, water [m³ per hour] and free-cooling share [-]."""

    chiller_power_w: np.ndarray
    fan_power_w: np.ndarray  # CRAH / air handlers
    pump_power_w: np.ndarray
    heat_rejection_power_w: np.ndarray  # tower / dry-cooler fans
    water_m3: np.ndarray
    economizer_frac: np.ndarray  # share of heat removed without compressors

    @cached_property
    def power_w(self) -> np.ndarray:
        """Computed once per object, read-only (a result reads it many times)."""
        total = self.chiller_power_w + self.fan_power_w + self.pump_power_w + self.heat_rejection_power_w
        total.setflags(write=False)
        return total


def _evaporated_m3(*, heat_w: np.ndarray) -> np.ndarray:
    """Water [m³ per hour] that carries ``heat_w`` away as latent heat."""
    return heat_w / WATER_LATENT_HEAT_J_PER_KG * SECONDS_PER_HOUR / WATER_DENSITY_KG_PER_M3


@dataclass(frozen=True)
class _WeatherTerms:
    """The hourly factors of a cooling design that depend on the weather alone (read-only)."""

    air_free_frac: np.ndarray  # airside/waterside: share of the air heat cooled for free
    air_cop: np.ndarray  # COP of the air share's chiller (airside, waterside) or DX trim (evaporative)
    evaporative_k: np.ndarray  # evaporative: cooling reached by evaporation [K]
    remaining_k: np.ndarray  # evaporative: what the DX trim covers [K]
    liquid_free_frac: np.ndarray  # liquid share: cooled by the dry coolers
    liquid_cop: np.ndarray  # liquid share: trim chiller COP


_TERMS = IdentityCache(max_entries=32)  # weather years × cooling designs (a study uses one or a few)


def _weather_terms(*, cooling: str, ashrae: str, weather: HourlyWeather) -> _WeatherTerms:
    """Computed once per weather year and design and kept: a study's points share one site, each
    point sizes its own fleet."""
    return _TERMS.get(
        weather, lambda: _compute_weather_terms(cooling=cooling, ashrae=ashrae, weather=weather), cooling, ashrae
    )


def _compute_weather_terms(*, cooling: str, ashrae: str, weather: HourlyWeather) -> _WeatherTerms:
    data = cooling_catalog()
    spec = cooling_type(cooling)
    klass = ashrae_class(ashrae)
    capture = float(spec["liquid_capture_frac"])
    db, wb = weather.dry_bulb_c, weather.wet_bulb_c
    supply = float(klass["supply_air_c"])
    ret = supply + float(spec.get("air_delta_t_k", data["rack_delta_t_k"]))
    empty = np.zeros(0)
    free, cop, evaporative_k, remaining_k = empty, empty, empty, empty
    method = spec["economizer"] if capture == 0 else spec.get("residual_air_economizer", "airside")
    if method == "airside":
        free = integrated_economizer_frac(source_c=db + spec["economizer_approach_k"], supply_c=supply, return_c=ret)
        free = np.where(weather.dew_point_c > klass["max_dew_point_c"], 0.0, free)
        chw = float(spec.get("chilled_water_c", 10.0))
        cop = chiller_cop(chiller="air_cooled", chilled_water_c=chw, condenser_medium_c=db)
    elif method == "waterside":
        chws = float(spec["chilled_water_c"])
        tower_water = wb + spec["tower_approach_k"]
        free = integrated_economizer_frac(
            source_c=tower_water + spec["economizer_approach_k"], supply_c=chws, return_c=chws + CHILLED_WATER_DELTA_T_K
        )
        cop = chiller_cop(chiller="water_cooled", chilled_water_c=chws, condenser_medium_c=tower_water)
    elif method == "evaporative":
        needed_k = np.maximum(db + spec["economizer_approach_k"] - supply, 0.0)
        achievable_k = spec["evaporative_effectiveness_frac"] * np.maximum(db - wb, 0.0)
        evaporative_k = np.minimum(needed_k, achievable_k)
        remaining_k = needed_k - evaporative_k
        trim_evaporator_c = supply - data["rack_delta_t_k"] / 2.0
        cop = chiller_cop(chiller="air_cooled", chilled_water_c=trim_evaporator_c, condenser_medium_c=db)
    else:
        raise CoolingError(f"cooling type {cooling!r}: unknown air economiser {method!r}")
    liquid_free, liquid_cop = empty, empty
    if capture > 0:
        liquid_supply = float(spec["liquid_supply_c"])
        liquid_free = integrated_economizer_frac(
            source_c=db + spec["dry_cooler_approach_k"],
            supply_c=liquid_supply,
            return_c=liquid_supply + LIQUID_DELTA_T_K,
        )
        liquid_cop = chiller_cop(chiller="air_cooled", chilled_water_c=liquid_supply, condenser_medium_c=db)
    terms = _WeatherTerms(free, cop, evaporative_k, remaining_k, liquid_free, liquid_cop)
    for array in (free, cop, evaporative_k, remaining_k, liquid_free, liquid_cop):
        array.setflags(write=False)
    return terms


def cooling_hourly(
    *, cooling: str, ashrae: str, heat_w: np.ndarray, it_power_w: np.ndarray, weather: HourlyWeather
) -> CoolingHourly:
    """Cooling power and water for each hour (see module docstring).

    heat_w: all heat released inside the building [W]; it_power_w: the IT part of it [W]
    (the liquid share applies to IT heat only).
    """
    data = cooling_catalog()
    spec = cooling_type(cooling)
    terms = _weather_terms(cooling=cooling, ashrae=ashrae, weather=weather)
    heat = np.asarray(heat_w, dtype=float)
    capture = float(spec["liquid_capture_frac"])
    liquid = capture * np.asarray(it_power_w, dtype=float)
    fans = (
        spec["facility_fan_frac_of_heat"] * (heat - liquid) if capture < 1 else spec["facility_fan_frac_of_heat"] * heat
    )
    air = heat - liquid + fans  # fan heat ends up in the air stream
    zeros = np.zeros_like(heat)
    rejection, water = zeros.copy(), zeros.copy()

    method = spec["economizer"] if capture == 0 else spec.get("residual_air_economizer", "airside")
    pumps = spec["pump_frac_of_heat"] * air
    if method == "airside":
        free = terms.air_free_frac
        chiller = air * (1.0 - free) / terms.air_cop
        free_heat = air * free
    elif method == "waterside":
        free = terms.air_free_frac
        chiller = air * (1.0 - free) / terms.air_cop
        rejected = air + chiller
        rejection += spec["heat_rejection_fan_frac_of_heat"] * rejected
        evaporated = _evaporated_m3(heat_w=spec["tower_evaporated_heat_frac"] * rejected)
        water += evaporated * (1.0 + 1.0 / (spec["cycles_of_concentration"] - 1.0))
        free_heat = air * free
    else:  # evaporative (_weather_terms refuses any other method)
        air_flow_kg_per_s = air / (AIR_SPECIFIC_HEAT_J_PER_KG_K * data["rack_delta_t_k"])
        evaporated = _evaporated_m3(heat_w=air_flow_kg_per_s * AIR_SPECIFIC_HEAT_J_PER_KG_K * terms.evaporative_k)
        water += evaporated * (1.0 + spec["bleed_frac_of_evaporation"])
        trim = air * np.minimum(terms.remaining_k / data["rack_delta_t_k"], 1.0)
        chiller = trim / terms.air_cop
        free_heat = air - trim

    if capture > 0:
        chiller += liquid * (1.0 - terms.liquid_free_frac) / terms.liquid_cop
        pumps += spec["liquid_pump_frac_of_heat"] * liquid
        rejection += spec["heat_rejection_fan_frac_of_heat"] * liquid
        free_heat += liquid * terms.liquid_free_frac

    total_heat = air + liquid
    return CoolingHourly(
        chiller_power_w=chiller,
        fan_power_w=fans,
        pump_power_w=pumps,
        heat_rejection_power_w=rejection,
        water_m3=water,
        economizer_frac=np.divide(free_heat, total_heat, out=np.ones_like(total_heat), where=total_heat > 0),
    )
