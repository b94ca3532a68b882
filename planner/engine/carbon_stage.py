"""Market-based carbon of one facility-year: residual mix and hourly matching (pure, no Django).

Called by the grid stage. Annual matching: contracted clean MWh cancel up to the annual consumption,
the rest is charged at the region's residual mix (grid/residual_mix.py). Hourly (24/7) matching:
clean supply counts only in its own hour; the contract's hours come from its solar / wind / firm mix
(grid/clean_supply.py) unless an hourly clean supply is uploaded; unmatched energy is charged at the
residual mix with the grid's hourly shape (the hourly location intensity × residual mix ÷ its mean:
no hourly residual mix is published, so its hours are assumed to follow the grid's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grid import carbon, clean_supply
from grid.climate import ClimateError, climate_from_ref
from grid.regions import Region
from grid.residual_mix import shipped_residual_mix
from planner.engine.schema import ScenarioSpec


class CarbonStageError(ValueError):
    """Bad clean-energy input; the message names the field."""


@dataclass(frozen=True)
class MarketCarbon:
    annual: carbon.MarketBased
    hourly: carbon.MarketBased
    chosen: carbon.MarketBased
    residual: dict[str, Any] | None  # the factor used, with source; None: location average used
    clean_supply_method: str
    clean_supply_kwh: np.ndarray


def residual_mix(region: Region, *, from_catalog: bool) -> tuple[float | None, dict[str, Any] | None]:
    """The residual-mix factor [gCO2e/kWh] and its description: the region's own figure first."""
    figure = region.figures.get("residual_mix_g_per_kwh")
    if figure is not None:
        return figure.value, figure.to_dict()
    shipped = shipped_residual_mix(region.slug) if from_catalog else None
    if shipped is None:
        return None, None
    return shipped.g_per_kwh, shipped.to_dict()


def _solar_latitude(spec: ScenarioSpec) -> float:
    clean = spec.grid.clean_energy
    if clean.solar_latitude_deg is not None:
        return clean.solar_latitude_deg
    if spec.site.climate is not None:
        try:
            return climate_from_ref(spec.site.climate).latitude
        except ClimateError:
            pass
    raise CarbonStageError(
        "grid.clean_energy.solar_latitude_deg: the site has no catalog climate to take a latitude from; "
        "give the solar plant's latitude or set solar_frac to 0"
    )


def _clean_supply(spec: ScenarioSpec, region: Region, energy_kwh: np.ndarray, uploads, warnings) -> tuple:
    clean = spec.grid.clean_energy
    if "clean_supply" in uploads:
        return uploads["clean_supply"] * 1e3, "uploaded hourly clean supply"
    if clean.annual_match_frac == 0:
        return np.zeros_like(energy_kwh), "no clean energy contracted"
    shape = clean_supply.contract_supply(
        annual_energy_kwh=float(energy_kwh.sum()),
        annual_match_frac=clean.annual_match_frac,
        solar_frac=clean.solar_frac,
        wind_frac=clean.wind_frac,
        firm_frac=clean.firm_frac,
        latitude_deg=_solar_latitude(spec) if clean.solar_frac else 0.0,
        region_slug=region.slug,
    )
    warnings.extend(shape.notes)
    return shape.supply_kwh, f"contract of annual_match_frac × annual energy shaped by its mix — {shape.method}"


def market_based(
    spec: ScenarioSpec,
    region: Region,
    *,
    energy_kwh: np.ndarray,
    intensity_g_per_kwh: np.ndarray,
    uploads: Mapping[str, np.ndarray],
    warnings: list[str],
) -> MarketCarbon:
    """Annual and hourly market-based emissions; ``chosen`` is the one the scenario asks for."""
    clean = spec.grid.clean_energy
    factor, described = residual_mix(region, from_catalog=isinstance(spec.grid.region, str))
    location_mean = float(energy_kwh @ intensity_g_per_kwh / energy_kwh.sum()) if energy_kwh.sum() else 0.0
    annual = carbon.market_based_annual(
        energy_kwh=energy_kwh,
        clean_match_frac=clean.annual_match_frac,
        residual_mix_g_per_kwh=factor,
        location_average_g_per_kwh=location_mean,
        inputs_checked=True,  # the grid stage's checked facility energy
    )
    warnings.extend(annual.notes)
    supply_kwh, supply_method = _clean_supply(spec, region, energy_kwh, uploads, warnings)
    unmatched_rate = intensity_g_per_kwh
    mean_intensity = intensity_g_per_kwh.mean()
    if factor is not None and mean_intensity > 0:
        unmatched_rate = intensity_g_per_kwh * (factor / mean_intensity)
    hourly = carbon.market_based_hourly(
        energy_kwh=energy_kwh,
        clean_supply_kwh=supply_kwh,
        intensity_g_per_kwh=unmatched_rate,
        inputs_checked=True,  # checked energy and series; the supply is a contract shape or a checked upload
    )
    if factor is not None:
        hourly = carbon.MarketBased(
            emissions_kg=hourly.emissions_kg,
            matched_kwh=hourly.matched_kwh,
            matched_frac=hourly.matched_frac,
            method="market-based, hourly 24/7 matching (EnergyTag granular certificates); unmatched energy at the "
            "residual mix with the grid's hourly shape (assumption: no hourly residual mix is published)",
            notes=(),
        )
    return MarketCarbon(
        annual=annual,
        hourly=hourly,
        chosen=hourly if clean.hourly_match else annual,
        residual=described,
        clean_supply_method=supply_method,
        clean_supply_kwh=supply_kwh,
    )
