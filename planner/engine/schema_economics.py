"""The scenario's optional ``economics`` section: overrides of the TCO figures in grid/data/costs.yaml.

Every field left out (None) takes the sourced default from grid/data/costs.yaml (or, for the
grid connection, the region's transmission upgrade cost); the result says which figure was used
and where it came from. Negative prices and lives of 0 are refused with the field's path.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Price = Annotated[float, Field(ge=0, le=1e9)]


class Economics(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True)

    accelerator_price_usd: dict[str, Price] = Field(
        default_factory=dict, description="price per device [USD] by accelerator slug; default grid/data/costs.yaml"
    )
    fallback_accelerator_price_usd: float | None = Field(None, ge=0, le=1e7, description="[USD/device]")
    server_cost_usd_per_device: float | None = Field(None, ge=0, le=1e7, description="host share [USD/device]")
    network_cost_frac: float | None = Field(None, ge=0, le=2, description="fabric / (accelerators + servers)")
    rack_cost_usd: float | None = Field(None, ge=0, le=1e8, description="[USD/rack]")
    facility_cost_usd_per_w: float | None = Field(None, ge=0, le=1000, description="[USD/W critical IT]")
    facility_tier: Literal["tier_ii", "tier_iii", "tier_iv"] = Field("tier_iii", description="redundancy tier")
    grid_connection_cost_usd_per_kw: float | None = Field(None, ge=0, le=1e5, description="[USD/kW peak]")
    device_life_years: float | None = Field(None, gt=0, le=30, description="accelerators, servers, network, racks")
    facility_life_years: float | None = Field(None, gt=0, le=100)
    grid_connection_life_years: float | None = Field(None, gt=0, le=100)
    discount_rate_frac: float | None = Field(None, ge=0, le=1, description="[fraction/year]")
    maintenance_frac_per_year: float | None = Field(None, ge=0, le=1, description="[fraction of capex per year]")
    staff_fte_per_mw: float | None = Field(None, ge=0, le=100, description="[FTE/MW critical IT]")
    staff_cost_usd_per_fte_year: float | None = Field(None, ge=0, le=1e7, description="[USD/FTE-year]")
    water_price_usd_per_m3: float | None = Field(None, ge=0, le=1e4, description="[USD/m³]")

    def overrides(self) -> dict[str, object]:
        """The values the user set (None fields fall back to the catalog)."""
        return {k: v for k, v in self.model_dump().items() if v is not None and k != "facility_tier"}
