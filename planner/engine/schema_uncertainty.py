"""Stated distributions of uncertain inputs (the scenario's optional ``uncertainty`` section).

A distribution is either *absolute* (the sampled value is the input) or *relative* (the sampled
value multiplies the input's base value: the scenario's own figure or the region's catalog figure).
Bounds are part of every distribution, so no sample can leave the range the engine accepts.
Kept apart from schema.py so that the scenario schema gains one optional line only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_UNCERTAIN_INPUTS = 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True)


class Uniform(_Strict):
    kind: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Triangular(_Strict):
    kind: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low ≤ mode ≤ high and low < high (got {self.low:g}, {self.mode:g}, {self.high:g})")
        return self


class Normal(_Strict):
    """Normal distribution truncated to [low, high]."""

    kind: Literal["normal"] = "normal"
    mean: float
    sd: float = Field(gt=0)
    low: float
    high: float

    @model_validator(mode="after")
    def _bounds(self) -> Normal:
        if not self.low < self.mean < self.high:
            raise ValueError(f"need low < mean < high (got {self.low:g}, {self.mean:g}, {self.high:g})")
        return self


class LogNormal(_Strict):
    """Log-normal distribution (median, sigma of log) truncated to [low, high]; low > 0."""

    kind: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0)
    sigma: float = Field(gt=0, le=5)
    low: float = Field(gt=0)
    high: float

    @model_validator(mode="after")
    def _bounds(self) -> LogNormal:
        if not self.low < self.median < self.high:
            raise ValueError(f"need low < median < high (got {self.low:g}, {self.median:g}, {self.high:g})")
        return self


Distribution = Annotated[Uniform | Triangular | Normal | LogNormal, Field(discriminator="kind")]


class UncertainInput(_Strict):
    """One uncertain input: a named parameter (see planner.engine.studies.params) or a scenario
    field path (``workloads[*].annual_growth_frac``; ``[*]`` means every item)."""

    parameter: str = Field(min_length=1, max_length=300, description="parameter name or scenario field path")
    mode: Literal["absolute", "relative"] = Field("absolute", description="value, or multiplier of the base value")
    distribution: Distribution
    source: str = Field("", max_length=2000, description="where the distribution comes from")


class UncertaintySpec(_Strict):
    inputs: list[UncertainInput] = Field(min_length=1, max_length=MAX_UNCERTAIN_INPUTS)

    @model_validator(mode="after")
    def _unique(self) -> UncertaintySpec:
        names = [item.parameter for item in self.inputs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"inputs: each parameter once; repeated: {', '.join(repeated)}")
        return self
