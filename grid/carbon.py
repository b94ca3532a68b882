"""Carbon accounting for a facility's hourly energy: location, marginal, market-based, embodied.

Methods (each result says which one it is):
- location-based (GHG Protocol Scope 2 Guidance, 2015, ch. 6): Σ_t E_t × average intensity_t;
- marginal (short-run): Σ_t E_t × marginal emission rate_t — the emissions the added load causes
  on the margin of dispatch (consequential; not a Scope 2 inventory figure);
- market-based, annual matching (Scope 2 Guidance ch. 6–7): contracted clean MWh (certificates)
  cancel up to the annual consumption; the rest is charged at the residual mix (or, where the
  region has no published residual mix, the location average, and the result says so);
- market-based, hourly (24/7) matching (EnergyTag / Google "24/7 carbon-free energy" method): in
  each hour only clean supply in that hour counts, matched_t = min(E_t, clean_t); unmatched
  energy is charged at that hour's grid intensity;
- embodied: manufacturing emissions of accelerators and servers spread evenly over their life.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grid.bounds import finite_non_negative

G_PER_KG = 1e3
KG_PER_T = 1e3
KWH_PER_MWH = 1e3


class CarbonError(ValueError):
    """Bad carbon input; the message names the field."""


def _hourly(name: str, values: np.ndarray, hours: int | None = None, *, checked: bool = False) -> np.ndarray:
    """The values as a 1-D float array, refused unless finite and ≥ 0 (``checked``: the caller has
    already checked them, e.g. the grid stage's own facility power and catalog or uploaded series)."""
    array = np.asarray(values, dtype=float)
    if checked:
        return array
    if array.ndim != 1:
        raise CarbonError(f"{name}: must be a 1-D hourly array")
    if hours is not None and array.size != hours:
        raise CarbonError(f"{name}: has {array.size} hours, expected {hours}")
    if not finite_non_negative(array):
        raise CarbonError(f"{name}: values must be finite and ≥ 0")
    return array


def emissions_kg(
    *, energy_kwh: np.ndarray, intensity_g_per_kwh: np.ndarray | float, inputs_checked: bool = False
) -> float:
    """Σ energy [kWh] × intensity [gCO2e/kWh] → kgCO2e. Intensity may be hourly or one number."""
    energy = _hourly("energy_kwh", energy_kwh, checked=inputs_checked)
    intensity = np.broadcast_to(np.asarray(intensity_g_per_kwh, dtype=float), energy.shape)
    if not inputs_checked and not finite_non_negative(intensity):
        raise CarbonError("intensity_g_per_kwh: values must be finite and ≥ 0")
    return float(energy @ intensity / G_PER_KG)


@dataclass(frozen=True)
class MarketBased:
    emissions_kg: float
    matched_kwh: float  # consumption covered by clean energy under the matching rule
    matched_frac: float
    method: str
    notes: tuple[str, ...]


def market_based_annual(
    *,
    energy_kwh: np.ndarray,
    clean_match_frac: float,
    residual_mix_g_per_kwh: float | None,
    location_average_g_per_kwh: float,
    inputs_checked: bool = False,
) -> MarketBased:
    """Annual matching: clean MWh = clean_match_frac × annual consumption, capped at consumption."""
    energy = _hourly("energy_kwh", energy_kwh, checked=inputs_checked)
    if clean_match_frac < 0:
        raise CarbonError("clean_match_frac: must be ≥ 0")
    total = float(energy.sum())
    matched = min(total, clean_match_frac * total)
    notes = []
    factor = residual_mix_g_per_kwh
    if factor is None:
        factor = location_average_g_per_kwh
        notes.append("no residual mix for this region: unmatched energy charged at the location average (assumption)")
    return MarketBased(
        emissions_kg=(total - matched) * factor / G_PER_KG,
        matched_kwh=matched,
        matched_frac=matched / total if total else 0.0,
        method="market-based, annual matching (GHG Protocol Scope 2 Guidance 2015); unmatched energy at the "
        + ("residual mix" if residual_mix_g_per_kwh is not None else "location average (no residual mix)"),
        notes=tuple(notes),
    )


def market_based_hourly(
    *,
    energy_kwh: np.ndarray,
    clean_supply_kwh: np.ndarray,
    intensity_g_per_kwh: np.ndarray,
    inputs_checked: bool = False,
) -> MarketBased:
    """Hourly (24/7) matching: matched_t = min(E_t, clean_t); the rest at the hour's intensity."""
    energy = _hourly("energy_kwh", energy_kwh, checked=inputs_checked)
    clean = _hourly("clean_supply_kwh", clean_supply_kwh, energy.size, checked=inputs_checked)
    intensity = _hourly("intensity_g_per_kwh", intensity_g_per_kwh, energy.size, checked=inputs_checked)
    matched = np.minimum(energy, clean)
    total = float(energy.sum())
    return MarketBased(
        emissions_kg=float((energy - matched) @ intensity / G_PER_KG),
        matched_kwh=float(matched.sum()),
        matched_frac=float(matched.sum() / total) if total else 0.0,
        method="market-based, hourly 24/7 matching (EnergyTag granular certificates; unmatched at hourly grid mix)",
        notes=(),
    )


def embodied_kg_per_year(*, embodied_kg: float, count: float, life_years: float) -> float:
    """Straight-line amortisation of manufacturing emissions [kgCO2e/year]."""
    if life_years <= 0:
        raise CarbonError(f"life_years: must be > 0, got {life_years}")
    if embodied_kg < 0 or count < 0:
        raise CarbonError("embodied_kg and count must be ≥ 0")
    return embodied_kg * count / life_years


def training_emissions_t(*, device_hours: float, device_power_w: float, intensity_kg_per_kwh: float) -> float:
    """Device-hours × power → energy → tCO2e (accelerators only, no PUE), as in Touvron et al. 2023."""
    energy_kwh = device_hours * device_power_w / 1e3
    return energy_kwh * intensity_kg_per_kwh / KG_PER_T


def household_equivalents(
    *, emissions_kg: float, household_use_kwh_per_month: float, intensity_g_per_kwh: float
) -> float:
    """Emissions expressed as households' annual electricity emissions in the same region.

    Definition (one, stated): one household = average residential electricity use × 12 months ×
    the region's average intensity — electricity only, not home heating fuels.
    """
    per_household_kg = household_use_kwh_per_month * 12 * intensity_g_per_kwh / G_PER_KG
    if per_household_kg <= 0:
        raise CarbonError("household_use_kwh_per_month × intensity must be > 0 for household equivalents")
    return emissions_kg / per_household_kg


def non_it_share_frac(*, pue: float) -> float:
    """Share of facility energy (and of its location-based emissions) outside IT: 1 − 1/PUE."""
    if pue < 1:
        raise CarbonError(f"pue: must be ≥ 1, got {pue}")
    return 1 - 1 / pue
