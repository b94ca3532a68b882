"""The scenario's optional ``flexibility`` section: how the facility bends its load for the grid.

Resources (power caps per pool, deferrable tiers, a battery, on-site generation), the grid signal
that asks for them, and the value of tokens deferred or lost. Every field left out (None) takes
its sourced default from grid/data/flexibility.yaml; the result lists each figure used with its
source. Dispatched by grid.flex (one linear program per year) in planner/engine/flex_stage.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GENERATION_TECHNOLOGIES = ("diesel_backup", "gas_reciprocating", "gas_turbine")
SIGNAL_KINDS = ("system_peak_hours", "schedule", "price", "carbon")
Fraction = Annotated[float, Field(gt=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True, strict=True)


class PowerCapping(_Strict):
    pools: list[str] | None = Field(None, description="hardware pools that may be capped; blank: all")
    levels_frac: list[Fraction] | None = Field(
        None,
        min_length=1,
        max_length=12,
        description="cap levels as fractions of each pool's power limit; blank: 0.9 … 0.5 (grid/data/flexibility.yaml)",
    )


class DeferrableTier(_Strict):
    workload: str = Field(min_length=1, max_length=200, description="name of a workload")
    share_frac: float | None = Field(
        None, gt=0, le=1, description="share of its requests that may wait; blank: the workload's deferrable_frac"
    )
    deadline_h: int | None = Field(None, ge=1, le=168, description="[h] served within; blank: 24 h (batch APIs)")


class Battery(_Strict):
    power_mw: float = Field(gt=0, le=100_000, description="[MW] charge and discharge")
    energy_mwh: float = Field(gt=0, le=1_000_000, description="[MWh] usable")
    round_trip_efficiency_frac: float | None = Field(None, gt=0, le=1, description="blank: 0.85 (NREL ATB 2024)")
    degradation_usd_per_mwh: float | None = Field(None, ge=0, le=10_000, description="[USD/MWh discharged]")


class OnsiteGeneration(_Strict):
    power_mw: float = Field(gt=0, le=100_000, description="[MW]")
    technology: Literal[GENERATION_TECHNOLOGIES] = "diesel_backup"  # type: ignore[valid-type]
    heat_rate_btu_per_kwh: float | None = Field(None, ge=3000, le=30_000, description="[Btu/kWh]")
    fuel_price_usd_per_mmbtu: float | None = Field(None, ge=0, le=1000, description="[USD/MMBtu]")
    emission_kg_co2_per_mmbtu: float | None = Field(None, ge=0, le=200, description="[kg CO2/MMBtu]")
    run_hours_per_year: float | None = Field(None, ge=0, le=8760, description="[h/year] at full output")
    events_only: bool | None = Field(None, description="run only in grid events (emergency permit)")


class ScheduledEvent(_Strict):
    start_hour: int = Field(ge=0, le=8759, description="hour of the year, 0 = 1 January 00:00")
    duration_h: int = Field(ge=1, le=8760, description="[h]")
    cap_mw: float | None = Field(None, ge=0, le=100_000, description="[MW] at the meter during the event")
    reduction_frac: float | None = Field(None, gt=0, le=1, description="or: cut of each hour's baseline")

    @model_validator(mode="after")
    def _one_cap(self) -> ScheduledEvent:
        if (self.cap_mw is None) == (self.reduction_frac is None):
            raise ValueError("give exactly one of cap_mw or reduction_frac")
        return self


class GridSignal(_Strict):
    kind: Literal[SIGNAL_KINDS] = Field(  # type: ignore[valid-type]
        "system_peak_hours",
        description="system_peak_hours: hours above the headroom method's seasonal thresholds; schedule: events; "
        "price / carbon: hours above threshold",
    )
    events: list[ScheduledEvent] = Field(default_factory=list, max_length=2000, description="for kind = schedule")
    events_upload: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="for kind = schedule: id of an uploaded event schedule (CSV: start or start_hour, duration_h, "
        "cap_mw or reduction_frac); its events join the typed ones",
    )
    threshold: float | None = Field(None, ge=0, le=1e6, description="[USD/MWh] or [gCO2/kWh] for price / carbon")
    reduction_frac: float = Field(0.25, gt=0, le=1, description="cut of the hour's baseline in price/carbon events")

    @model_validator(mode="after")
    def _complete(self) -> GridSignal:
        if self.kind == "schedule" and not self.events and not self.events_upload:
            raise ValueError("kind 'schedule' needs at least one event or an events_upload")
        if self.events_upload and self.kind != "schedule":
            raise ValueError(f"events_upload is for kind 'schedule', not {self.kind!r}")
        if self.kind in ("price", "carbon") and self.threshold is None:
            raise ValueError(f"kind {self.kind!r} needs a threshold")
        return self


class Flexibility(_Strict):
    power_capping: PowerCapping | None = Field(default_factory=PowerCapping, description="null: no power capping")
    deferrable: list[DeferrableTier] = Field(default_factory=list, max_length=50)
    battery: Battery | None = None
    generation: OnsiteGeneration | None = None
    signal: GridSignal = Field(default_factory=GridSignal)
    allow_shedding: bool = Field(
        False, description="switch load off in events when nothing else covers them (tokens lost at their value)"
    )
    lost_tokens_usd_per_mtok: float | None = Field(None, ge=0, le=1e6, description="[USD/Mtok]; blank: $0.88")
    deferral_usd_per_mtok_hour: float | None = Field(
        None, ge=0, le=1e6, description="[USD per Mtok per hour waited]; blank: $0.44/Mtok over 24 h (batch APIs)"
    )
