"""The study definition: what a study varies, samples or searches (validated, errors name the field).

Three kinds, told apart by ``kind``:

- ``sweep``: ``vary`` maps a scenario field path (``hardware[0].weight_precision``) to the values
  to try; the study is the full grid of combinations.
- ``uncertainty``: ``inputs`` with stated distributions (default: the scenario's ``uncertainty``
  section, else ``defaults.yaml``), ``samples`` drawn by quasi-Monte Carlo; with ``sensitivity``
  the points follow Saltelli's design so that Sobol indices can be computed.
- ``optimisation``: ``choices`` (path → options) and optional ``shares`` span a discrete candidate
  space; the candidate minimising ``objective`` subject to ``limits`` (KPI → maximum) and
  ``max_devices_by_accelerator`` wins. Spaces up to ``exhaustive_limit`` are enumerated, larger
  ones solved as a MILP (see milp) whose best mixes are re-checked by the engine.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from planner.engine.schema import ScenarioError, errors_from_validation
from planner.engine.schema_uncertainty import MAX_UNCERTAIN_INPUTS, UncertainInput, UncertaintySpec
from planner.engine.studies.kpis import KPIS
from planner.engine.studies.pareto import DEFAULT_PAIR

MAX_STUDY_POINTS = 4096  # one study's points; bigger studies are several studies
DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True)


def _known_kpi(name: str) -> str:
    if name not in KPIS:
        raise ValueError(f"unknown KPI {name!r}; one of: {', '.join(sorted(KPIS))}")
    return name


class SweepStudy(_Strict):
    kind: Literal["sweep"] = "sweep"
    vary: dict[str, Annotated[list[Any], Field(min_length=1, max_length=MAX_STUDY_POINTS)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _size(self) -> SweepStudy:
        size = math.prod(len(values) for values in self.vary.values())
        if size > MAX_STUDY_POINTS:
            raise ValueError(f"vary: {size} combinations, more than the {MAX_STUDY_POINTS} a study computes")
        return self


class UncertaintyStudy(_Strict):
    kind: Literal["uncertainty"] = "uncertainty"
    inputs: list[UncertainInput] | None = Field(
        None, max_length=MAX_UNCERTAIN_INPUTS, description="default: the scenario's uncertainty section, else defaults"
    )
    method: Literal["sobol", "lhs"] = Field("sobol", description="Sobol' sequence (scrambled) or Latin hypercube")
    sensitivity: bool = Field(False, description="Saltelli design: samples × (inputs + 2) points, Sobol indices")
    seed: int = Field(0, ge=0, le=2**31)
    samples: int = Field(64, ge=4, le=MAX_STUDY_POINTS, description="QMC samples (base samples with sensitivity)")

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, value: int, info: ValidationInfo) -> int:
        if (info.data.get("method") == "sobol" or info.data.get("sensitivity")) and value & (value - 1):
            raise ValueError(f"{value} is not a power of 2, which Sobol' sequences need (e.g. 64)")
        return value

    @model_validator(mode="after")
    def _size(self) -> UncertaintyStudy:
        if self.sensitivity and self.samples * (len(self.inputs or default_inputs()) + 2) > MAX_STUDY_POINTS:
            raise ValueError(f"samples × (inputs + 2) is more than the {MAX_STUDY_POINTS} points a study computes")
        if self.inputs is not None:
            UncertaintySpec(inputs=self.inputs)  # each parameter once
        return self


class Shares(_Strict):
    """Candidate demand shares of the listed pools on a grid: every split in steps of ``step_frac``."""

    pools: list[Annotated[int, Field(ge=0, le=19)]] = Field(min_length=2, max_length=6)
    step_frac: float = Field(0.25, gt=0, le=0.5)
    allow_drop: bool = Field(True, description="a pool may take no share at all (it is left out of the mix)")

    @field_validator("step_frac")
    @classmethod
    def _divides_one(cls, value: float) -> float:
        if abs(round(1 / value) * value - 1) > 1e-9:
            raise ValueError("must divide 1 evenly (e.g. 0.1, 0.2, 0.25)")
        return value


class OptimisationStudy(_Strict):
    kind: Literal["optimisation"] = "optimisation"
    choices: dict[str, Annotated[list[Any], Field(min_length=1, max_length=64)]] = Field(default_factory=dict)
    shares: Shares | None = None
    objective: str = Field("annual_facility_energy_mwh", description="KPI to minimise")
    limits: dict[str, float] = Field(default_factory=dict, description="KPI → maximum allowed value")
    max_devices_by_accelerator: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    # sampled_coordinate (the coordinate search this replaced) is still accepted and runs the MILP,
    # so that saved definitions keep validating.
    method: Literal["auto", "exhaustive", "milp", "sampled_coordinate"] = Field(
        "auto", description="auto: exhaustive up to exhaustive_limit candidates, else milp"
    )
    exhaustive_limit: int = Field(256, ge=1, le=MAX_STUDY_POINTS, description="largest space auto enumerates")
    max_rounds: int = Field(8, ge=0, le=50, description="MILP: 0 skips the re-check of its mixes by the engine")
    recheck: int = Field(8, ge=1, le=64, description="MILP: best distinct mixes re-computed by the full engine")
    pareto_levels: int = Field(
        8, ge=0, le=32, description="MILP: ε levels of the cost-carbon Pareto front (0: no ε-constraint front)"
    )
    seed: int = Field(0, ge=0, le=2**31)
    pareto: tuple[str, str] = Field(DEFAULT_PAIR, description="the two KPIs of the Pareto front (cost vs carbon)")

    _objective_known = field_validator("objective")(_known_kpi)

    @field_validator("pareto")
    @classmethod
    def _pareto_pair(cls, value: tuple[str, str]) -> tuple[str, str]:
        for name in value:
            _known_kpi(name)
        if value[0] == value[1]:
            raise ValueError("give two different KPIs")
        return value

    @field_validator("limits")
    @classmethod
    def _limits_known(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            _known_kpi(name)
        return value

    @model_validator(mode="after")
    def _some_choice(self) -> OptimisationStudy:
        if not self.choices and self.shares is None:
            raise ValueError("give choices (field path → options) or shares")
        return self


StudyDefinition = Annotated[SweepStudy | UncertaintyStudy | OptimisationStudy, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[SweepStudy | UncertaintyStudy | OptimisationStudy] = TypeAdapter(StudyDefinition)


def parse_study(data: Any) -> SweepStudy | UncertaintyStudy | OptimisationStudy:
    """Validate a study definition; raise ScenarioError keyed by field path (``vary``, ``inputs[0].distribution``)."""
    if not isinstance(data, dict):
        raise ScenarioError({"definition": ["must be a JSON object"]})
    if data.get("kind") not in {"sweep", "uncertainty", "optimisation"}:
        raise ScenarioError({"kind": ["must be one of sweep, uncertainty, optimisation"]})
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        errors = errors_from_validation(error)
        tags = {data["kind"], "uniform", "triangular", "normal", "lognormal"}
        cleaned: dict[str, list[str]] = {}
        for path, messages in errors.items():
            parts = [p for p in path.split(".") if p not in tags]
            cleaned.setdefault(".".join(parts) or "definition", []).extend(messages)
        raise ScenarioError(cleaned) from None


@cache
def default_inputs() -> tuple[UncertainInput, ...]:
    """The default distributions (defaults.yaml), each with its source."""
    raw = yaml.safe_load(DEFAULTS_FILE.read_text())
    return tuple(
        UncertainInput(parameter=r["parameter"], mode=r["mode"], distribution=r["distribution"], source=r["source"])
        for r in raw["inputs"]
    )


def study_inputs(study: UncertaintyStudy, document: dict[str, Any]) -> tuple[UncertainInput, ...]:
    """The study's own inputs, else the scenario's uncertainty section, else the defaults."""
    if study.inputs:
        return tuple(study.inputs)
    section = document.get("uncertainty")
    if section:
        return tuple(UncertaintySpec.model_validate(section).inputs)
    return default_inputs()
