"""The one scenario schema shared by the forms, the API, the CLI, the runner and the reports.

Validated at the edge with errors that name the field path, e.g.
``workloads[1].peak_requests_per_s: Input should be greater than 0``. Every number carries
its unit in its name; fractions end in ``_frac``. Bump ``SCHEMA_VERSION`` on any change
that old scenario files cannot satisfy, and add a migration in ``upgrade_scenario``.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.engine.documents import DocumentError, check_document
from planner.engine.schema_economics import Economics
from planner.engine.schema_flexibility import Flexibility
from planner.engine.schema_uncertainty import UncertaintySpec

SCHEMA_VERSION: Final = 1

from accelerators.formats import KV_PRECISIONS, WEIGHT_PRECISIONS  # noqa: E402  (the one table of formats)

PRECISIONS = WEIGHT_PRECISIONS
COOLING_TYPES = (
    "air_chiller_economizer",
    "water_chiller_tower",
    "evaporative",
    "direct_liquid_dry_cooler",
    "immersion",
)
ASHRAE_CLASSES = ("A1", "A2", "A3", "A4")
_SPARSITY_RE = re.compile(r"^(none|2:4|unstructured:(0(\.\d+)?|1(\.0+)?))$")
_SLUG_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]*$"

Slug = Annotated[str, Field(min_length=1, max_length=200, pattern=_SLUG_RE)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
HourlyCurve = Annotated[list[Annotated[float, Field(ge=0.0, le=1.0)]], Field(min_length=24, max_length=24)]


class _Strict(BaseModel):
    # Unknown keys are mistakes (a typo in a field name must not be silently ignored);
    # NaN and infinity are never valid inputs; strict: `true` is not the number 1, "800" not 800.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True, strict=True)


class Horizon(_Strict):
    start_year: int = Field(2027, ge=2020, le=2100, description="first planning year")
    years: int = Field(1, ge=1, le=15, description="planning horizon [years]; the result reports the final year")


class DailyShape(_Strict):
    """Relative request rate by hour of day (local time), peak hour = 1."""

    weekday: HourlyCurve
    weekend: HourlyCurve

    @model_validator(mode="after")
    def _has_a_peak(self) -> DailyShape:
        if max(max(self.weekday), max(self.weekend)) <= 0:
            raise ValueError("daily shape is zero in every hour; at least one hour must be > 0")
        return self


class TokenDistribution(_Strict):
    """Tokens per request as a histogram: ``tokens[i]`` occurs with relative weight ``weights[i]``."""

    tokens: list[Annotated[int, Field(ge=1, le=2_000_000)]] = Field(min_length=1, max_length=64)
    weights: list[Annotated[float, Field(gt=0, le=1e12)]] = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _same_length(self) -> TokenDistribution:
        if len(self.tokens) != len(self.weights):
            raise ValueError(f"tokens has {len(self.tokens)} values but weights has {len(self.weights)}")
        return self

    @property
    def mean(self) -> float:
        return sum(t * w for t, w in zip(self.tokens, self.weights, strict=True)) / sum(self.weights)

    def percentile(self, frac: float) -> int:
        """Smallest token count with at least ``frac`` of the requests at or below it."""
        total = sum(self.weights)
        cumulative = 0.0
        for tokens, weight in sorted(zip(self.tokens, self.weights, strict=True)):
            cumulative += weight
            if cumulative >= frac * total - 1e-12:
                return tokens
        return max(self.tokens)


def _histogram_mean(raw: Any) -> float | None:
    """Mean of a raw distribution document, or None when it is malformed (the schema says why)."""
    try:
        tokens, weights = [float(t) for t in raw["tokens"]], [float(w) for w in raw["weights"]]
    except (TypeError, KeyError, ValueError, OverflowError):
        return None
    if not tokens or len(tokens) != len(weights) or min(weights) <= 0:
        return None
    mean = sum(t * w for t, w in zip(tokens, weights, strict=True)) / sum(weights)
    return mean if math.isfinite(mean) else None  # huge or infinite figures: the field checks say why


class Workload(_Strict):
    name: Name
    model: Slug | dict[str, Any] = Field(
        description="catalog slug or Hugging Face id, or a full model architecture object"
    )
    peak_requests_per_s: float | None = Field(None, gt=0, le=1e7, description="request rate in the peak hour [1/s]")
    requests_per_day: float | None = Field(None, gt=0, le=1e12, description="requests per day [1/day]")
    # Defaults are assumptions for a chat service, to be replaced by the user's own figures:
    # ML.ENERGY v3 chat outputs are ≈350–650 tokens (arXiv 2505.06371); 800 prompt tokens allow for
    # a system prompt and history; 50 ms per token (≈20 tokens/s) is above human reading speed.
    input_tokens: int = Field(800, ge=1, le=2_000_000, description="prompt tokens per request (mean); assumption")
    output_tokens: int = Field(350, ge=1, le=1_000_000, description="output tokens per request (mean); assumption")
    ttft_target_s: float = Field(2.0, gt=0, le=600, description="time-to-first-token target [s]; assumption")
    tpot_target_ms: float = Field(50.0, gt=0, le=10_000, description="time-per-output-token target [ms]; assumption")
    daily_shape: Slug | DailyShape = Field("flat", description="named shape or 24-hour weekday/weekend curves")
    annual_growth_frac: float = Field(0.0, ge=-0.9, le=10.0, description="demand growth per year [fraction]")
    deferrable_frac: float = Field(0.0, ge=0.0, le=1.0, description="share of requests that may wait hours")
    # A distribution sets the mean (input_tokens / output_tokens, which then may be left out); the
    # time-to-first-token target is met for the 95th-percentile prompt, not the mean one.
    input_tokens_distribution: TokenDistribution | None = Field(None, description="prompt tokens per request")
    output_tokens_distribution: TokenDistribution | None = Field(None, description="output tokens per request")

    @model_validator(mode="before")
    @classmethod
    def _means_from_distributions(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for kind in ("input", "output"):
            mean = _histogram_mean(data.get(f"{kind}_tokens_distribution"))
            key = f"{kind}_tokens"
            if mean is None:
                continue
            given = data.get(key)
            if given is None:
                data[key] = max(1, round(mean))
            elif isinstance(given, int | float) and abs(given - mean) > max(1.0, 0.01 * mean):
                raise ValueError(
                    f"{key} ({given:g}) must be the mean of {kind}_tokens_distribution ({mean:.1f}) or be left out"
                )
        return data

    @model_validator(mode="after")
    def _one_rate(self) -> Workload:
        if (self.peak_requests_per_s is None) == (self.requests_per_day is None):
            raise ValueError("give exactly one of peak_requests_per_s or requests_per_day")
        return self


class HardwarePool(_Strict):
    name: Name
    accelerator: Slug | dict[str, Any] = Field(description="catalog slug or a full accelerator object")
    share_frac: float | None = Field(None, gt=0, le=1, description="share of demand served by this pool")
    count: int | None = Field(None, ge=1, le=10_000_000, description="fixed number of devices")
    weight_precision: Literal[PRECISIONS] = "bf16"  # type: ignore[valid-type]
    kv_precision: Literal[KV_PRECISIONS] = "bf16"  # type: ignore[valid-type]
    sparsity: str = Field("none", description="none, 2:4, or unstructured:F with F the zero fraction")
    tensor_parallel: int = Field(1, ge=1, le=72, description="devices per model replica")
    devices_per_server: int = Field(8, ge=1, le=72)
    # Engine v2 (issue 14), all optional: None keeps the engine's defaults (today's behaviour)
    expert_parallel: int | None = Field(None, ge=1, le=1024, description="devices the experts are spread over")
    pipeline_parallel: int | None = Field(
        None, ge=1, le=1024, description="pipeline stages; a replica is then tensor_parallel x pipeline_parallel"
    )
    serving_stack: str | None = Field(None, max_length=40, description="vllm, tensorrt-llm or static-dataflow")
    power_limit_w: float | None = Field(None, gt=0, le=5000, description="GPU power limit per device [W]")
    energy_multiplier: float = Field(
        1.0,
        ge=0.1,
        le=10.0,
        description="multiplier on the accelerators' power at every load (uncertainty studies: the engine's "
        "p10/p90 band of uncalibrated devices, accelerators/data/calibration.yaml); 1 = the engine's estimate",
    )
    server_height_u: int | None = Field(
        None, ge=1, le=60, description="rack units per server [U]; blank: by accelerator (grid/data/hosts_network.yaml)"
    )

    @field_validator("sparsity")
    @classmethod
    def _sparsity_form(cls, value: str) -> str:
        if not _SPARSITY_RE.match(value):
            raise ValueError("must be 'none', '2:4' or 'unstructured:F' with 0 ≤ F ≤ 1 (e.g. unstructured:0.5)")
        return value

    @model_validator(mode="after")
    def _share_or_count(self) -> HardwarePool:
        if self.share_frac is None and self.count is None:
            raise ValueError("give share_frac (sized to demand) or count (fixed fleet)")
        return self


class Fleet(_Strict):
    # headroom 20% and N+1 are planning assumptions; 130 kW per rack is the order of an NVIDIA
    # GB200 NVL72 rack (≈120–132 kW, NVIDIA 2024), the densest shipping AI rack.
    headroom_frac: float = Field(0.2, ge=0.0, le=2.0, description="spare capacity above the peak hour; assumption")
    redundancy: Literal["N", "N+1", "N+2"] = "N+1"
    idle_policy: Literal["idle", "power_down"] = "idle"
    dispatch: Literal["cheapest_energy", "proportional"] = "cheapest_energy"
    rack_power_limit_kw: float = Field(130.0, gt=0, le=2000)
    rack_units_usable: int | None = Field(
        None, ge=1, le=60, description="rack units for servers per rack [U]; blank: 42U rack less 2U of switches"
    )


class Site(_Strict):
    climate: Slug | dict[str, Any] | None = Field(
        "us-va-ashburn", description="climate catalog slug (shipped or the organisation's own) or a full site object"
    )
    weather_upload: str | None = Field(None, description="id of an uploaded EPW/CSV weather file")
    cooling: Literal[COOLING_TYPES] = "direct_liquid_dry_cooler"  # type: ignore[valid-type]
    ashrae_class: Literal[ASHRAE_CLASSES] = "A1"  # type: ignore[valid-type]
    power_cap_mw: float | None = Field(None, gt=0, le=100_000)
    ups_efficiency_frac: float | None = Field(None, gt=0.5, le=1.0, description="override the UPS curve at full load")

    @model_validator(mode="after")
    def _weather_source(self) -> Site:
        if self.climate is None and self.weather_upload is None:
            raise ValueError("give a climate slug or a weather_upload")
        return self

    @property
    def climate_slug(self) -> str | None:
        return self.climate.get("slug") if isinstance(self.climate, dict) else self.climate


class CleanEnergy(_Strict):
    annual_match_frac: float = Field(0.0, ge=0.0, le=2.0, description="contracted clean MWh / annual MWh")
    hourly_match: bool = Field(False, description="match clean supply hour by hour (24/7) instead of annually")
    # The contract's mix decides its hours (grid/clean_supply.py). Default: half solar, half wind —
    # an assumption (corporate clean-energy contracts are mostly solar and wind); set the contract's own.
    solar_frac: float = Field(0.5, ge=0.0, le=1.0, description="share of contracted MWh from solar [fraction]")
    wind_frac: float = Field(0.5, ge=0.0, le=1.0, description="share of contracted MWh from wind [fraction]")
    firm_frac: float = Field(0.0, ge=0.0, le=1.0, description="share from firm clean supply, flat [fraction]")
    solar_latitude_deg: float | None = Field(
        None, ge=-90.0, le=90.0, description="latitude of the solar plant [degrees]; default: the site's"
    )

    @model_validator(mode="after")
    def _mix_adds_up(self) -> CleanEnergy:
        total = self.solar_frac + self.wind_frac + self.firm_frac
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"solar_frac + wind_frac + firm_frac must add up to 1, got {total:g}")
        return self


class GridSpec(_Strict):
    region: Slug | dict[str, Any] = Field(
        "pjm-dominion", description="grid region slug (shipped or the organisation's own) or a full region object"
    )
    overrides: dict[str, float] = Field(default_factory=dict, description="region figures to replace")
    clean_energy: CleanEnergy = Field(default_factory=CleanEnergy)
    tariff: Literal["flat", "time_of_use", "hourly", "large_load_minimum_demand"] = "large_load_minimum_demand"
    uploads: dict[str, str] = Field(default_factory=dict, description="carbon/price/system_load → upload id")

    @property
    def region_slug(self) -> str:
        return str(self.region.get("slug", "")) if isinstance(self.region, dict) else self.region

    @field_validator("overrides")
    @classmethod
    def _finite(cls, value: dict[str, float]) -> dict[str, float]:
        for key, number in value.items():
            if not math.isfinite(number):
                raise ValueError(f"override {key!r} must be a finite number")
        return value


class ScenarioSpec(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    name: Name
    description: str = Field("", max_length=5000)
    horizon: Horizon = Field(default_factory=Horizon)
    workloads: list[Workload] = Field(min_length=1, max_length=50)
    hardware: list[HardwarePool] = Field(min_length=1, max_length=20)
    fleet: Fleet = Field(default_factory=Fleet)
    site: Site = Field(default_factory=Site)
    grid: GridSpec = Field(default_factory=GridSpec)
    economics: Economics = Field(
        default_factory=Economics, description="TCO figures (planner/engine/schema_economics.py)"
    )
    uncertainty: UncertaintySpec | None = Field(None, exclude_if=lambda value: value is None)
    flexibility: Flexibility | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="flexible operation: power caps, deferrable work, battery, on-site generation, grid signal "
        "(planner/engine/schema_flexibility.py)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        for label, items in (("workloads", self.workloads), ("hardware", self.hardware)):
            names = [item.name for item in items]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{label}: names must be unique; repeated: {', '.join(duplicates)}")
        self._flexibility_names()
        shares = [pool.share_frac for pool in self.hardware if pool.share_frac is not None]
        if shares and not math.isclose(sum(shares), 1.0, abs_tol=1e-6):
            raise ValueError(f"hardware: share_frac values must add up to 1 (they add up to {sum(shares):.4g})")
        return self

    def _flexibility_names(self) -> None:
        flex = self.flexibility
        if flex is None:
            return
        workloads = {w.name: w for w in self.workloads}
        named = [tier.workload for tier in flex.deferrable]
        twice = sorted({name for name in named if named.count(name) > 1})
        if twice:
            raise ValueError(f"flexibility.deferrable: one tier per workload; repeated: {', '.join(twice)}")
        for i, tier in enumerate(flex.deferrable):
            if tier.workload not in workloads:
                raise ValueError(
                    f"flexibility.deferrable[{i}].workload: {tier.workload!r} is not a workload "
                    f"({', '.join(workloads)})"
                )
            if tier.share_frac is None and workloads[tier.workload].deferrable_frac <= 0:
                raise ValueError(
                    f"flexibility.deferrable[{i}].share_frac: give a share, or set workload "
                    f"{tier.workload!r}'s deferrable_frac"
                )
        pools = {p.name for p in self.hardware}
        for name in (flex.power_capping.pools or []) if flex.power_capping else []:
            if name not in pools:
                raise ValueError(
                    f"flexibility.power_capping.pools: {name!r} is not a hardware pool ({', '.join(pools)})"
                )


class ScenarioError(ValueError):
    """Invalid scenario input. ``errors`` maps a field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in errors.items()))


def field_path(location: tuple[int | str, ...]) -> str:
    """('workloads', 1, 'peak_requests_per_s') → 'workloads[1].peak_requests_per_s'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"str", "dict[str,any]", "DailyShape", "function-after[_has_a_peak(), DailyShape]"}:
            continue  # pydantic's union-member tags are not field names
        elif part in {"uniform", "triangular", "normal", "lognormal"}:
            continue  # tags of the uncertainty section's distributions (schema_uncertainty)
        elif part.startswith(("function-", "constrained-str", "json-or-python")):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "scenario"


def errors_from_validation(error: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        # A union such as "slug or object" reports a failure for every member; keep only the
        # member whose type matches what was given.
        given = item.get("input")
        if item["type"] == "string_type" and isinstance(given, dict):
            continue
        if item["type"] in {"dict_type", "model_type", "model_attributes_type"} and isinstance(given, str):
            continue
        message = item["msg"].removeprefix("Value error, ")
        path = field_path(tuple(item["loc"]))
        if path == "scenario" and message.startswith("flexibility."):  # a cross-field check names its field
            path, _, message = message.partition(": ")
        errors.setdefault(path, []).append(message)
    return errors


def upgrade_scenario(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older scenario document to the current schema version."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ScenarioError(
            {"schema_version": [f"unsupported version {version!r}; this planner reads {SCHEMA_VERSION}"]}
        )
    return data


def parse_scenario(data: Any) -> ScenarioSpec:
    """Validate a scenario document (a dict from JSON); raise ScenarioError naming each bad field."""
    if not isinstance(data, dict):
        raise ScenarioError({"scenario": ["must be a JSON object"]})
    try:
        check_document(data)
    except DocumentError as error:
        raise ScenarioError(error.errors_under("scenario")) from None
    try:
        return ScenarioSpec.model_validate(upgrade_scenario(dict(data)))
    except ValidationError as error:
        raise ScenarioError(errors_from_validation(error)) from None
