"""Power-chain losses (transformer, UPS, PDU) as functions of load, plus lighting/auxiliaries.

Loss model of Rasmussen (APC/Schneider Electric White Paper 113): each component loses
``rated × (no_load + proportional × x + square × x²)`` with ``x = load / rated``; see
grid/data/power_chain.yaml for coefficients and sources. The chain, from the meter inwards:
transformer (carries everything) → UPS → PDU → IT. Cooling and lighting are fed from the
transformer, not through the UPS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

POWER_CHAIN_PATH = Path(__file__).resolve().parent / "data" / "power_chain.yaml"


class PowerChainError(ValueError):
    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class LossCurve:
    """Loss of units of total capacity ``paths × rated_w`` sharing a load equally (fractions of rated)."""

    no_load_frac: float
    proportional_frac: float
    square_frac: float
    paths: float = 1.0  # installed capacity / design load (2 for 2N, 4/3 for 4N/3)

    def loss_w(self, *, load_w: np.ndarray, rated_w: float) -> np.ndarray:
        """Loss [W] at output load ``load_w`` [W] shared equally by the paths."""
        if rated_w <= 0:
            raise PowerChainError("rated power must be > 0")
        x = np.asarray(load_w, dtype=float) / (self.paths * rated_w)
        return self.paths * rated_w * (self.no_load_frac + self.proportional_frac * x + self.square_frac * x * x)

    def efficiency_frac(self, *, load_frac: float) -> float:
        """Efficiency of one unit at ``load_frac`` of its rating."""
        loss = self.no_load_frac + self.proportional_frac * load_frac + self.square_frac * load_frac**2
        return load_frac / (load_frac + loss)

    def scaled_to_full_load_efficiency(self, efficiency_frac: float) -> LossCurve:
        """The same shape, scaled so one unit has ``efficiency_frac`` at 100 % load."""
        if not 0.5 < efficiency_frac <= 1.0:
            raise PowerChainError("site.ups_efficiency_frac: must be within 0.5-1", field="site.ups_efficiency_frac")
        target = 1.0 / efficiency_frac - 1.0
        scale = target / (self.no_load_frac + self.proportional_frac + self.square_frac)
        return LossCurve(
            self.no_load_frac * scale, self.proportional_frac * scale, self.square_frac * scale, self.paths
        )


@dataclass(frozen=True)
class PowerChain:
    ups: LossCurve
    pdu: LossCurve
    transformer: LossCurve
    transformer_sizing_factor: float
    lighting_aux_frac_of_design_it: float


@cache
def _data() -> dict:
    return yaml.safe_load(POWER_CHAIN_PATH.read_text(encoding="utf-8"))


def _curve(entry: dict) -> LossCurve:
    return LossCurve(
        no_load_frac=float(entry["no_load_frac"]),
        proportional_frac=float(entry["proportional_frac"]),
        square_frac=float(entry["square_frac"]),
        paths=float(entry.get("configuration_paths", 1.0)),
    )


def default_power_chain(*, ups_efficiency_frac: float | None = None) -> PowerChain:
    """The catalog power chain; ``ups_efficiency_frac`` rescales the UPS curve at full load."""
    data = _data()
    ups = _curve(data["ups"])
    if ups_efficiency_frac is not None:
        ups = ups.scaled_to_full_load_efficiency(ups_efficiency_frac)
    return PowerChain(
        ups=ups,
        pdu=_curve(data["pdu"]),
        transformer=_curve(data["transformer"]),
        transformer_sizing_factor=float(data["transformer"]["sizing_factor_of_design_it"]),
        lighting_aux_frac_of_design_it=float(data["lighting_aux"]["frac_of_design_it"]),
    )


@dataclass(frozen=True)
class InsideLosses:
    """Losses inside the building (their heat must be cooled) [W], arrays of 8,760."""

    pdu_loss_w: np.ndarray
    ups_loss_w: np.ndarray
    lighting_aux_w: np.ndarray

    @property
    def total_w(self) -> np.ndarray:
        return self.pdu_loss_w + self.ups_loss_w + self.lighting_aux_w


def inside_losses(*, chain: PowerChain, it_power_w: np.ndarray, design_it_power_w: float) -> InsideLosses:
    """PDU and UPS losses for the hourly IT load, and constant lighting/auxiliaries."""
    if design_it_power_w <= 0:
        raise PowerChainError("design IT power must be > 0")
    pdu = chain.pdu.loss_w(load_w=it_power_w, rated_w=design_it_power_w)
    ups = chain.ups.loss_w(load_w=it_power_w + pdu, rated_w=design_it_power_w)
    lighting = np.full_like(
        np.asarray(it_power_w, dtype=float), chain.lighting_aux_frac_of_design_it * design_it_power_w
    )
    return InsideLosses(pdu_loss_w=pdu, ups_loss_w=ups, lighting_aux_w=lighting)


def transformer_loss_w(*, chain: PowerChain, load_w: np.ndarray, design_it_power_w: float) -> np.ndarray:
    """MV/LV transformer loss [W] for everything it carries (UPS input + cooling + lighting)."""
    return chain.transformer.loss_w(load_w=load_w, rated_w=chain.transformer_sizing_factor * design_it_power_w)
