"""The scenario result: KPIs, per-pool figures, breakdowns and the 8,760-hour series."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ScenarioResult:
    summary: dict[str, Any]
    hourly: MutableMapping[str, np.ndarray]  # a LazySeries: each series computed when first read
    pools: list[dict[str, Any]] = field(default_factory=list)
    breakdown: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    # Constraints missed (planner.engine.constraints.ConstraintViolation.to_dict()); empty: all met.
    constraints: tuple[dict[str, Any], ...] = ()

    def to_dict(self, *, hourly: bool = False) -> dict[str, Any]:
        """JSON-ready result: KPIs at the top level, as `manage.py plan --json` prints them."""
        document: dict[str, Any] = dict(self.summary)
        document["pools"] = self.pools
        document["breakdown"] = self.breakdown
        document["warnings"] = list(self.warnings)
        document["constraints"] = list(self.constraints)
        document["meta"] = self.meta
        if hourly:
            document["hourly"] = {name: series.tolist() for name, series in self.hourly.items()}
        return to_jsonable(document)


def to_jsonable(value: Any) -> Any:
    """NumPy scalars/arrays → plain Python; NaN/inf → None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def hourly_to_npz(hourly: Mapping[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    # allow_pickle spelled out (numpy's default) so that no series can be taken for that keyword.
    arrays = {name: np.asarray(series) for name, series in hourly.items()}
    np.savez_compressed(buffer, allow_pickle=True, **arrays)
    return buffer.getvalue()


def hourly_from_npz(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}
