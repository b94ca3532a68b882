"""Bounds of grid figures (carbon intensity, prices, system load, fractions), read from
grid/data/bounds.yaml where each bound has its reason and source. One place for every face:
region overrides, custom regions and uploaded hourly series all ask :func:`figure_problem` or
:func:`series_problem`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

DATA = Path(__file__).resolve().parent / "data" / "bounds.yaml"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) < 1e13 and value == int(value) else f"{value:,.4g}"


@dataclass(frozen=True)
class Bound:
    concept: str
    unit: str
    low: float
    high: float
    low_inclusive: bool
    source: str

    def problem(self, value: float) -> str | None:
        """Why ``value`` is refused, or None when it is within the bound."""
        if not math.isfinite(value):
            return "must be a finite number"
        too_low = value < self.low if self.low_inclusive else value <= self.low
        if too_low or value > self.high:
            low = f"{'≥' if self.low_inclusive else '>'} {_fmt(self.low)}"
            return (
                f"{_fmt(value)} {self.unit} is outside the plausible range ({low} and ≤ {_fmt(self.high)} {self.unit})"
            )
        return None


@cache
def _bounds() -> tuple[dict[str, Bound], dict[str, Bound]]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    by_figure: dict[str, Bound] = {}
    by_upload: dict[str, Bound] = {}
    for concept, entry in raw.items():
        inclusive = "min_exclusive" not in entry
        bound = Bound(
            concept=concept,
            unit=str(entry["unit"]),
            low=float(entry["min"] if inclusive else entry["min_exclusive"]),
            high=float(entry["max"]),
            low_inclusive=inclusive,
            source=" ".join(str(entry["source"]).split()),
        )
        by_figure.update(dict.fromkeys(entry["figures"], bound))
        by_upload.update(dict.fromkeys(entry["uploads"], bound))
    return by_figure, by_upload


def figure_bound(name: str) -> Bound | None:
    return _bounds()[0].get(name)


def figure_problem(name: str, value: float) -> str | None:
    """Why a region figure's value is refused (None when fine or when the figure has no bound)."""
    bound = figure_bound(name)
    if bound is None:
        return None if math.isfinite(value) else "must be a finite number"
    return bound.problem(value)


def series_problem(kind: str, values: np.ndarray) -> str | None:
    """Why an uploaded hourly series of ``kind`` (carbon, price, system_load, demand) is refused."""
    bound = _bounds()[1].get(kind)
    if bound is None or values.size == 0:
        return None
    for label, index in (("lowest", int(np.argmin(values))), ("highest", int(np.argmax(values)))):
        message = bound.problem(float(values[index]))
        if message is not None:
            return f"hour {index + 1} ({label} value): {message}"
    return None


def finite_non_negative(values: np.ndarray) -> bool:
    """Whether every value is finite and ≥ 0, in two reductions and no temporary arrays (a NaN
    makes the minimum NaN, an infinity the maximum infinite); True for an empty array."""
    if values.size == 0:
        return True
    return bool(values.min() >= 0) and bool(np.isfinite(values.max()))
