"""Facility power each hour: IT + power-chain losses + cooling, PUE and water.

Energy is conserved by construction in every hour:
``facility_power_w = it_power_w + power_losses_w + cooling_power_w`` with
``power_losses_w = pdu + ups + transformer + lighting/auxiliaries``.
The heat to cool is IT + PDU + UPS losses + lighting (the transformer stands outdoors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from grid.cooling import CoolingHourly, cooling_hourly
from grid.demand import HourStates
from grid.power_chain import PowerChain, inside_losses, transformer_loss_w
from grid.weather import HourlyWeather


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class FacilityHourly:
    """Hourly facility quantities [W], water [m³ per hour], PUE [-] (arrays of 8,760)."""

    it_power_w: np.ndarray
    pdu_loss_w: np.ndarray
    ups_loss_w: np.ndarray
    transformer_loss_w: np.ndarray
    lighting_aux_w: np.ndarray
    cooling: CoolingHourly

    # The sums below are computed once per object and kept read-only (a result is read many times).
    @cached_property
    def power_losses_w(self) -> np.ndarray:
        return _read_only(self.pdu_loss_w + self.ups_loss_w + self.transformer_loss_w + self.lighting_aux_w)

    @property
    def cooling_power_w(self) -> np.ndarray:
        return self.cooling.power_w

    @cached_property
    def facility_power_w(self) -> np.ndarray:
        return _read_only(self.it_power_w + self.power_losses_w + self.cooling_power_w)

    @cached_property
    def pue(self) -> np.ndarray:
        it = self.it_power_w
        return _read_only(np.divide(self.facility_power_w, it, out=np.full_like(it, np.nan), where=it > 0))

    @property
    def water_m3(self) -> np.ndarray:
        return self.cooling.water_m3


def facility_hourly(
    *,
    it_power_w: np.ndarray,
    design_it_power_w: float,
    weather: HourlyWeather,
    cooling: str,
    ashrae: str,
    chain: PowerChain,
    hour_states: HourStates | None = None,
) -> FacilityHourly:
    """Losses, cooling and facility power for an hourly IT load [W] (final IT, after fan effects).

    ``hour_states``: given only when the IT load is the same in every hour of a state (a fleet
    dispatched per state); the losses inside the building, functions of the IT load alone, are
    then computed once per state and spread (the same values); cooling and the transformer,
    which depend on the hour's weather, are computed hour by hour.
    """
    it = np.asarray(it_power_w, dtype=float)
    if hour_states is None:
        inside = inside_losses(chain=chain, it_power_w=it, design_it_power_w=design_it_power_w)
        heat = it + inside.total_w
        ups_input = it + inside.pdu_loss_w + inside.ups_loss_w
        pdu, ups, lighting = inside.pdu_loss_w, inside.ups_loss_w, inside.lighting_aux_w
    else:
        index, it_state = hour_states.index, it[hour_states.first]
        inside = inside_losses(chain=chain, it_power_w=it_state, design_it_power_w=design_it_power_w)
        heat = (it_state + inside.total_w).take(index)
        ups_input = (it_state + inside.pdu_loss_w + inside.ups_loss_w).take(index)
        pdu, ups, lighting = (
            part.take(index) for part in (inside.pdu_loss_w, inside.ups_loss_w, inside.lighting_aux_w)
        )
    cool = cooling_hourly(cooling=cooling, ashrae=ashrae, heat_w=heat, it_power_w=it, weather=weather)
    transformer = transformer_loss_w(
        chain=chain, load_w=ups_input + lighting + cool.power_w, design_it_power_w=design_it_power_w
    )
    return FacilityHourly(
        it_power_w=it,
        pdu_loss_w=pdu,
        ups_loss_w=ups,
        transformer_loss_w=transformer,
        lighting_aux_w=lighting,
        cooling=cool,
    )


def largest_scale_under_cap(
    *, peak_power_w: Callable[[float], float], cap_w: float, high: float = 1.0, tolerance_frac: float = 1e-3
) -> float:
    """Largest demand scale s with peak_power_w(s) ≤ cap_w (bisection; peak power rises with s).

    Used for the inverse problem: the demand a site can serve under a power cap at the meter.
    Returns 0 when even a vanishing demand exceeds the cap (fixed loads above it).
    """
    if cap_w <= 0:
        raise ValueError("site.power_cap_mw: must be > 0")
    low = 0.0
    while peak_power_w(high) <= cap_w and high < 1e6:
        low, high = high, high * 2.0
    if peak_power_w(1e-9) > cap_w:
        return 0.0
    while (high - low) > tolerance_frac * max(high, 1e-9):
        mid = 0.5 * (low + high)
        if peak_power_w(mid) <= cap_w:
            low = mid
        else:
            high = mid
    return low
