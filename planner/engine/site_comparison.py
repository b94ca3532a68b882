"""Site comparison: one demand at several candidate sites, ranked with the user's weights (pure, no Django).

Each candidate site (climate, grid region, optional cooling, power cap and water limit) gets the
same scenario run through the same runner; the result per site carries devices, peak MW, PUE,
water, tCO2e (location and market), $/Mtok, the household bill change and the share of the
region's curtailment-enabled headroom (0.5 % curtailment, from the grid stage) the facility uses.
A workload with users (metros and shares) and a round-trip budget can only be served from sites
within that budget when it is interactive; deferrable work may go to the best site. Sites that
cannot serve every interactive workload, or break their power cap or water limit, are listed
with the reasons and not ranked. When the scenario has a ``flexibility`` section, the work each
site curtails in its grid events may migrate to another site of the comparison with spare
replicas and meter room in those hours (grid.flex.migration, per ordered site pair: ``migration``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from grid.constants import SECONDS_PER_HOUR
from grid.flex.migration import SiteHours, migrate
from grid.siting import SitingError, get_metro, network_figures, rank, workload_reach
from planner.engine.schema import (
    COOLING_TYPES,
    Name,
    ScenarioError,
    ScenarioSpec,
    Slug,
    _Strict,
    errors_from_validation,
)

CRITERIA = {
    "usd_per_mtok": "USD per million output tokens (TCO)",
    "tco2e_market": "emissions, market-based [tCO2e/yr]",
    "tco2e_location": "emissions, location-based [tCO2e/yr]",
    "water_m3": "water [m³/yr]",
    "household_bill_usd_per_month": "household bill change [USD/month]",
    "headroom_share_frac": "share of the region's curtailment-enabled headroom used",
    "pue": "annual PUE",
    "mean_rtt_ms": "user-weighted network round trip [ms]",
}
# Default weights: an assumption (cost first, then carbon, the rest half weight); set your own.
DEFAULT_WEIGHTS = {
    "usd_per_mtok": 1.0,
    "tco2e_market": 1.0,
    "water_m3": 0.5,
    "household_bill_usd_per_month": 0.5,
    "headroom_share_frac": 0.5,
    "mean_rtt_ms": 0.5,
}
HEADROOM_RATE_PCT = 0.5
Progress = Callable[[str, float], None]


class CandidateSite(_Strict):
    name: Name
    climate: Slug | dict[str, Any] = Field(description="climate catalog slug, or an own site's definition")
    region: Slug | dict[str, Any] = Field(description="grid region slug, or an own region's definition")
    cooling: Literal[COOLING_TYPES] | None = Field(None, description="default: the scenario's")  # type: ignore[valid-type]
    power_cap_mw: float | None = Field(None, gt=0, le=100_000, description="site power cap [MW]")
    water_limit_m3_per_year: float | None = Field(None, ge=0, le=1e10, description="water permit [m³/yr]")
    utc_offset_h: int | None = Field(
        None,
        ge=-12,
        le=14,
        description="standard time minus UTC [h], to align the sites' hours for migration; default: "
        "round(longitude / 15) (the nautical zone: an assumption)",
    )


class WorkloadUsers(_Strict):
    workload: Name = Field(description="name of a workload in the scenario")
    metros: dict[Slug, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=dict, description="metro slug → share of users"
    )
    rtt_budget_ms: float | None = Field(None, gt=0, le=5000, description="network round-trip budget [ms]")
    interactive: bool = Field(True, description="interactive (near its users) or deferrable (anywhere)")


class SiteComparisonSpec(_Strict):
    name: Name
    scenario: ScenarioSpec
    sites: list[CandidateSite] = Field(min_length=2, max_length=8)
    users: list[WorkloadUsers] = Field(default_factory=list, max_length=50)
    weights: dict[Literal[tuple(CRITERIA)], Annotated[float, Field(ge=0, le=100)]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: dict(DEFAULT_WEIGHTS)
    )
    route_inflation: float | None = Field(
        None, ge=1, le=5, description="fibre path / great circle; default metros.yaml"
    )

    @model_validator(mode="after")
    def _unique_sites(self) -> SiteComparisonSpec:
        names = [site.name for site in self.sites]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"sites: names must be unique; repeated: {', '.join(repeated)}")
        return self


def comparison_errors(spec: SiteComparisonSpec) -> dict[str, list[str]]:
    """What the schema cannot see: unknown sites, metros and workloads, shares not adding up to 1."""
    from grid.climate import climate_from_ref
    from grid.regions import region_from_ref

    errors: dict[str, list[str]] = {}
    for i, site in enumerate(spec.sites):
        lookups = (("climate", climate_from_ref, site.climate), ("region", region_from_ref, site.region))
        for field, lookup, ref in lookups:
            try:
                lookup(ref)  # type: ignore[operator]
            except ValueError as error:
                errors.setdefault(f"sites[{i}].{field}", []).append(str(error).split(": ", 1)[-1])
    workloads = {w.name for w in spec.scenario.workloads}
    seen: set[str] = set()
    for i, users in enumerate(spec.users):
        if users.workload not in workloads:
            errors.setdefault(f"users[{i}].workload", []).append(
                f"no workload {users.workload!r} in the scenario (it has: {', '.join(sorted(workloads))})"
            )
        if users.workload in seen:
            errors.setdefault(f"users[{i}].workload", []).append(f"{users.workload!r} is listed twice")
        seen.add(users.workload)
        for slug in users.metros:
            try:
                get_metro(slug)
            except SitingError as error:
                errors.setdefault(f"users[{i}].metros.{slug}", []).append(str(error).split(": ", 1)[-1])
        total = sum(users.metros.values())
        if users.metros and not math.isclose(total, 1.0, abs_tol=1e-6):
            errors.setdefault(f"users[{i}].metros", []).append(f"shares must add up to 1 (they add up to {total:.4g})")
        if users.interactive and users.rtt_budget_ms is not None and not users.metros:
            errors.setdefault(f"users[{i}].metros", []).append("a round-trip budget needs the metros of the users")
    if spec.weights and sum(spec.weights.values()) <= 0:
        errors.setdefault("weights", []).append("at least one weight must be > 0")
    return errors


def parse_comparison(data: Any) -> SiteComparisonSpec:
    """Validate a comparison document; ScenarioError naming each bad field (scenario fields under 'scenario.')."""
    if not isinstance(data, dict):
        raise ScenarioError({"comparison": ["must be a JSON object"]})
    try:
        spec = SiteComparisonSpec.model_validate(data)
    except ValidationError as error:
        errors = {path.replace(".[key]", ""): messages for path, messages in errors_from_validation(error).items()}
        raise ScenarioError(errors) from None
    errors = comparison_errors(spec)
    if errors:
        raise ScenarioError(errors)
    return spec


def _site_scenario(spec: SiteComparisonSpec, site: CandidateSite) -> ScenarioSpec:
    document = spec.scenario.model_dump(mode="json")
    document["name"] = f"{spec.scenario.name} @ {site.name}"[:200]
    document["site"].update(climate=site.climate, weather_upload=None, power_cap_mw=site.power_cap_mw)
    if site.cooling:
        document["site"]["cooling"] = site.cooling
    # Region overrides and uploads describe the scenario's own region: not carried to another one.
    document["grid"].update(region=site.region, overrides={}, uploads={})
    return ScenarioSpec.model_validate(document)


def _headroom_share(summary: dict[str, Any]) -> float | None:
    for rate in (summary.get("flexibility") or {}).get("rates") or []:
        if math.isclose(float(rate.get("rate_pct", -1)), HEADROOM_RATE_PCT) and rate.get("headroom_mw"):
            return float(summary["peak_facility_power_mw"]) / float(rate["headroom_mw"])
    return None


def _metrics(result: dict[str, Any]) -> dict[str, Any]:
    carbon, tco = result.get("carbon") or {}, result.get("tco") or {}
    return {
        "devices": int(sum((result.get("devices") or {}).values())),
        "peak_mw": result.get("peak_facility_power_mw"),
        "pue": result.get("annual_pue"),
        "water_m3": result.get("annual_water_m3"),
        "tco2e_location": carbon.get("location_based_tco2e"),
        "tco2e_market": carbon.get("market_based_tco2e"),
        "usd_per_mtok": tco.get("usd_per_million_output_tokens"),
        "usd_per_mtok_prompt_and_output": tco.get("usd_per_million_tokens"),
        "usd_per_mtok_by_workload": {
            name: {
                "output": row.get("usd_per_million_output_tokens"),
                "prompt_and_output": row.get("usd_per_million_tokens"),
            }
            for name, row in (tco.get("by_workload") or {}).items()
        },
        "tco_usd_per_year": tco.get("tco_usd_per_year"),
        "household_bill_usd_per_month": (result.get("household_bill_usd_per_month") or {}).get("total_usd_per_month"),
        "headroom_share_frac": _headroom_share(result),
    }


def _reach(spec: SiteComparisonSpec, lat: float, lon: float, inflation: float, delay: float) -> dict[str, Any]:
    out = {}
    for users in spec.users:
        reach = workload_reach(
            site_lat_deg=lat,
            site_lon_deg=lon,
            users=users.metros,
            rtt_budget_ms=users.rtt_budget_ms,
            interactive=users.interactive,
            fibre_delay_us_per_km=delay,
            route_inflation=inflation,
        )
        out[users.workload] = {
            "feasible": reach.feasible,
            "reason": reach.reason,
            "interactive": users.interactive,
            "rtt_ms_by_metro": reach.rtt_ms_by_metro,
            "mean_rtt_ms": reach.mean_rtt_ms,
        }
    return out


def _constraints(site: CandidateSite, result: dict[str, Any]) -> list[str]:
    problems = []
    if site.power_cap_mw is not None and result.get("within_power_cap") is False:
        problems.append(
            f"peak {result['peak_facility_power_mw']:.1f} MW exceeds the power cap of {site.power_cap_mw:g} "
            f"MW (serves {100 * result.get('servable_demand_frac', 0):.0f} % of the demand)"
        )
    if site.water_limit_m3_per_year is not None and result.get("annual_water_m3", 0) > site.water_limit_m3_per_year:
        problems.append(
            f"water {result['annual_water_m3']:,.0f} m³/yr exceeds the limit of "
            f"{site.water_limit_m3_per_year:,.0f} m³/yr"
        )
    return problems


def _site_row(
    spec: SiteComparisonSpec, site: CandidateSite, inflation: float, delay: float, events: Any = None
) -> dict[str, Any]:
    from grid.climate import climate_from_ref
    from planner.engine.facility_stage import facility_stage
    from planner.engine.runner import run_scenario

    climate = climate_from_ref(site.climate)
    row: dict[str, Any] = {
        "name": site.name,
        "climate": climate.slug,
        "region": site.region if isinstance(site.region, str) else str(site.region.get("slug", "")),
        "latitude": climate.latitude,
        "longitude": climate.longitude,
        "climate_name": climate.name,
    }
    row["workloads"] = _reach(spec, climate.latitude, climate.longitude, inflation, delay)
    rtts = [w["mean_rtt_ms"] for w in row["workloads"].values() if w["rtt_ms_by_metro"]]
    row["mean_rtt_ms"] = sum(rtts) / len(rtts) if rtts else None
    try:
        site_spec = _site_scenario(spec, site)
        facility = facility_stage(site_spec)
        scenario = run_scenario(site_spec, facility=facility, uploads=None if events is None else {"events": events})
        result = scenario.to_dict(hourly=False)
    except ValueError as error:
        row.update(error=str(error), reasons=[str(error)], eligible=False, metrics={})
        return row
    if result.get("flexibility_dispatch"):
        offset = site.utc_offset_h if site.utc_offset_h is not None else round(climate.longitude / 15.0)
        row["utc_offset_h"] = offset
        row["_hours"] = _site_hours(site_spec, site, facility, scenario.hourly, result, offset)
    row["metrics"] = {**_metrics(result), "mean_rtt_ms": row["mean_rtt_ms"]}
    row["constraints"] = _constraints(site, result)
    unreachable = [f"{name}: {w['reason']}" for name, w in row["workloads"].items() if not w["feasible"]]
    row["reasons"] = row["constraints"] + unreachable
    row["serves_all_interactive"] = not unreachable
    row["eligible"] = not row["reasons"]
    row["result"] = result
    return row


def compare_sites(
    spec: SiteComparisonSpec, *, progress: Progress | None = None, events: np.ndarray | None = None
) -> dict[str, Any]:
    """Run the scenario at every candidate site; rank the sites that can serve it; place deferrable work.
    `events`: the uploaded event schedule the scenario's ``flexibility.signal.events_upload`` names (the
    (n, 4) array of grid.flex.event_file), read by the caller with the organisation check; every site
    gets the same events, as it gets the typed ones."""
    report = progress or (lambda stage, frac: None)
    network = network_figures()
    inflation = spec.route_inflation or network["route_inflation"]["value"]
    delay = network["fibre_delay_us_per_km"]["value"]
    rows = []
    for i, site in enumerate(spec.sites):
        report(f"site {site.name}", i / len(spec.sites))
        rows.append(_site_row(spec, site, inflation, delay, events))
    report("ranking", 0.95)
    weights = spec.weights or DEFAULT_WEIGHTS
    metrics = [row.get("metrics", {}) for row in rows]
    scores, ranks = rank(metrics=metrics, weights=weights, eligible=[row["eligible"] for row in rows])
    # Ignoring latency (for deferrable work): every site that ran and keeps its cap and water limit.
    open_sites = [("error" not in row) and not row.get("constraints") for row in rows]
    _free_scores, free_ranks = rank(metrics=metrics, weights=weights, eligible=open_sites)
    for row, score, position, free in zip(rows, scores, ranks, free_ranks, strict=True):
        row.update(score=score, rank=position, rank_ignoring_latency=free)
    migration = _migration(spec, rows)
    for row in rows:
        row.pop("_hours", None)
    return {
        "name": spec.name,
        "sites": rows,
        "ranking": [row["name"] for row in sorted((r for r in rows if r["rank"]), key=lambda r: r["rank"])],
        "placement": _placement(spec, rows),
        **({"migration": migration} if migration is not None else {}),
        "metros": {
            slug: {"name": m.name, "latitude": m.latitude, "longitude": m.longitude}
            for slug, m in ((slug, get_metro(slug)) for users in spec.users for slug in users.metros)
        },
        "weights": weights,
        "criteria": CRITERIA,
        "network": {**network, "route_inflation_used": inflation},
        "method": "each criterion scaled to [0, 1] across the ranked sites (0 = best), weighted and summed; the "
        "lowest score ranks first. Sites that break a power cap or water limit, fail to run, or cannot reach an "
        "interactive workload's users within its round-trip budget are not ranked.",
    }


def _placement(spec: SiteComparisonSpec, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Interactive work at the best site within its budget; deferrable work at the best site overall."""
    kinds = {u.workload: u.interactive for u in spec.users}
    out = {}
    for workload in spec.scenario.workloads:
        interactive = kinds.get(workload.name, True)
        candidates = [
            r
            for r in rows
            if r.get("rank_ignoring_latency")
            and (not interactive or r["workloads"].get(workload.name, {"feasible": True})["feasible"])
        ]
        best = min(candidates, key=lambda r: r["rank_ignoring_latency"], default=None)
        out[workload.name] = {
            "interactive": interactive,
            "site": best["name"] if best else None,
            "reason": (
                "no site reaches its users within the budget"
                if best is None
                else "deferrable: the best site overall"
                if not interactive
                else "interactive: the best site within its round-trip budget"
            ),
        }
    return out


MIGRATION_METHOD = (
    "a rule applied after each site's own dispatch (neither is re-solved): in the source's event hours, the "
    "tokens its dispatch loses (caps, shedding) or defers move to the target where the target has spare "
    "replicas of that workload (capacity − its own served tokens − its own catch-up) and meter room (its own "
    "event cap and power cap − its dispatched meter, at its marginal MWh per Mtok); deferrable work (users "
    "marked not interactive, and the deferred tokens of flexibility.deferrable tiers) may move anywhere, "
    "interactive work only to a site within its users' round-trip budget (a workload without users listed may "
    "go anywhere, as in the placement). Lost tokens are split among workloads in proportion to the tokens each "
    "serves in the hour (an assumption). Hours are aligned by the sites' UTC offsets. Each pair is computed "
    "alone: two targets may offer the same spare hours, so the pairs of one source do not add up."
)


def _site_hours(site_spec, site: CandidateSite, facility, hourly, result, offset: int) -> SiteHours:
    """One site's hours for the migration rule (from its facility year and its dispatch)."""
    from planner.engine.flex_stage import marginal_meter_mwh_per_mtok, meter_it_ratio

    context = facility.context
    ratio = meter_it_ratio(facility)
    to_mtok = SECONDS_PER_HOUR / 1e6
    flex = site_spec.flexibility
    deferrable = frozenset(t.workload for t in flex.deferrable)
    served, spare, energy = {}, {}, {}
    for load in site_spec.workloads:
        capacity = sum(p.capacity_tokens_per_s.get(load.name, 0.0) for p in context.sizing.pools)
        demand = np.asarray(context.demand_tokens_per_s[load.name], dtype=float)
        served[load.name] = np.minimum(demand, capacity) * to_mtok
        per_mtok = marginal_meter_mwh_per_mtok(context, load.name, ratio)
        if per_mtok is not None:
            spare[load.name] = np.maximum(capacity - demand, 0.0) * to_mtok
            energy[load.name] = per_mtok
    # The site's own catch-up of deferred work uses the deferrable workloads' spare replicas first.
    catch_up_mw = np.maximum(hourly["flex_deferral_shift_mw"], 0.0)
    tiers = [w for w in deferrable if w in energy]
    if tiers:
        weights = np.array([served[w].sum() for w in tiers])
        weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(tiers), 1.0 / len(tiers))
        mean_energy = np.sum([k * energy[w] for k, w in zip(weights, tiers, strict=True)], axis=0)
        catch_up_mtok = np.divide(catch_up_mw, mean_energy, out=np.zeros_like(catch_up_mw), where=mean_energy > 0)
        for k, w in zip(weights, tiers, strict=True):
            spare[w] = np.maximum(spare[w] - k * catch_up_mtok, 0.0)
    event = np.asarray(hourly["flex_event_frac"]) > 0
    meter = np.asarray(hourly["flex_meter_mw"], dtype=float)
    limit = np.where(event, hourly["flex_event_cap_mw"], np.inf)
    if site.power_cap_mw is not None:
        limit = np.minimum(limit, site.power_cap_mw)
    used = result["flexibility_dispatch"].get("figures_used") or {}
    return SiteHours(
        name=site.name,
        utc_offset_h=offset,
        event=event,
        lost_mtok=np.asarray(hourly["flex_lost_mtok"], dtype=float),
        deferred_mtok=np.asarray(hourly["flex_deferred_mtok"], dtype=float),
        served_mtok=served,
        spare_mtok=spare,
        meter_mwh_per_mtok=energy,
        room_mw=np.where(np.isfinite(limit), np.maximum(limit - meter, 0.0), np.inf),
        price_usd_per_mwh=np.asarray(hourly["billed_price_usd_per_mwh"], dtype=float),
        deferrable=deferrable,
        lost_usd_per_mtok=float((used.get("lost_tokens_usd_per_mtok") or {}).get("value") or 0.0),
    )


def _migration(spec: SiteComparisonSpec, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Migration of curtailed work for every ordered pair of sites that ran with a dispatch."""
    if spec.scenario.flexibility is None:
        return None
    kinds = {u.workload: u.interactive for u in spec.users}
    with_hours = [row for row in rows if "_hours" in row]
    pairs = []
    for source in with_hours:
        for target in with_hours:
            if target is source:
                continue
            movable = frozenset(
                w.name
                for w in spec.scenario.workloads
                if not kinds.get(w.name, True) or target["workloads"].get(w.name, {"feasible": True})["feasible"]
            )
            pair = migrate(source["_hours"], target["_hours"], movable=movable)
            pair.pop("hourly_mtok")
            pairs.append({k: (round(v, 6) if isinstance(v, float) else v) for k, v in pair.items()})
    return {"pairs": pairs, "method": MIGRATION_METHOD}
