"""Check a portfolio definition; every problem is reported with its field path (``members[1].ramp[2]``).

The definition (what forms and the API send, and what a run snapshots):
``{"name", "description", "start_year", "end_year", "system_load_upload": id | null,
"system_load_region": slug, "members": [{"scenario": id, "region": slug, "in_service_year",
"ramp": [numbers], "ramp_unit": "share" | "mw"}]}``. A member's region defaults to its scenario's
``grid.region``. A region names the organisation's own grid region by the rule of
planner/scenarios/custom_catalog.py (exact slug, this organisation only), else the shipped catalog;
a run's inputs snapshot the own regions' definitions (``own_regions``: slug → definition).
Nothing is dropped: a bad member is an error, never skipped.
"""

from __future__ import annotations

import math
from typing import Any

from grid.portfolio import RAMP_UNITS
from grid.portfolio import REQUIRED as REGION_FIGURES
from grid.regions import Region, RegionDataError, get_region, region_from_dict
from grid.system_load import has_system_load
from planner.ids import as_id
from planner.scenarios import custom_catalog
from planner.scenarios.models import Scenario, Upload

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_HORIZON_YEARS = 40
MAX_MEMBERS = 50
MAX_REGION_CHARS = 64


class PortfolioInputError(ValueError):
    """Field path → messages, like planner.engine.schema.ScenarioError."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{path}: {' '.join(messages)}" for path, messages in errors.items()))
        self.errors = errors


def _int(data: dict, key: str, errors: dict[str, list[str]], path: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[path] = ["must be a whole number"]
        return None
    try:
        return int(value)
    except ValueError:
        errors[path] = [f"must be a whole number, got {value!r}"]
        return None


def _years(data: dict, errors: dict[str, list[str]]) -> tuple[int | None, int | None]:
    start = _int(data, "start_year", errors, "start_year")
    end = _int(data, "end_year", errors, "end_year")
    for path, year in (("start_year", start), ("end_year", end)):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            errors[path] = [f"must be within {MIN_YEAR}–{MAX_YEAR}"]
    if start is not None and end is not None and "end_year" not in errors:
        if end < start:
            errors["end_year"] = [f"must not be before start_year {start}"]
        elif end - start + 1 > MAX_HORIZON_YEARS:
            errors["end_year"] = [f"the horizon is at most {MAX_HORIZON_YEARS} years"]
    return start, end


def _ramp(member: dict, where: str, errors: dict[str, list[str]]) -> tuple[list[float], str]:
    unit = member.get("ramp_unit") or "share"
    if unit not in RAMP_UNITS:
        errors[f"{where}.ramp_unit"] = [f"must be one of {', '.join(RAMP_UNITS)}"]
    ramp = member.get("ramp")
    if ramp is None or ramp == []:
        ramp = [1.0]
    if not isinstance(ramp, list) or len(ramp) > MAX_HORIZON_YEARS:
        errors[f"{where}.ramp"] = [f"must be a list of at most {MAX_HORIZON_YEARS} numbers"]
        return [], unit
    values: list[float] = []
    for j, raw in enumerate(ramp):
        try:
            value = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError, OverflowError):
            value = math.nan
        if not math.isfinite(value):  # NaN and infinity cannot be stored (jsonb) nor computed
            errors[f"{where}.ramp[{j}]"] = [f"must be a finite number, got {raw!r}"]
            continue
        if value < 0:
            errors[f"{where}.ramp[{j}]"] = ["must be ≥ 0"]
        elif unit == "share" and value > 1:
            errors[f"{where}.ramp[{j}]"] = [f"{value:g} is over 100 % of the final load (shares are 0–1)"]
        values.append(value)
    return values, unit


def own_region(slug: str, *, organisation_id: int) -> dict[str, Any] | None:
    """The definition of the organisation's own region this slug names (the rule of
    planner/scenarios/custom_catalog.py: exact slug, within this organisation), None for the shipped catalog."""
    row = custom_catalog.own_entry(kind="regions", slug=slug, organisation_ids=[organisation_id], field="region")
    return custom_catalog.definition(row) if row is not None else None


def region_of(slug: str, own_regions: dict[str, Any] | None) -> Region:
    """A member's region: an own region's snapshot (a run's ``own_regions``), else the shipped catalog."""
    definition = (own_regions or {}).get(slug)
    return region_from_dict(definition) if definition is not None else get_region(slug)


def _region(slug: str, where: str, errors: dict[str, list[str]], has_upload: bool, own: dict[str, Any] | None) -> None:
    try:
        region = region_from_dict(own) if own is not None else get_region(slug)
    except RegionDataError as error:
        errors[where] = [str(error).removeprefix("grid.region: ")]
        return
    missing = region.missing(list(REGION_FIGURES))
    if missing:
        errors[where] = [f"region {slug!r} lacks {', '.join(missing)}, needed for the study"]
    elif not has_upload and not has_system_load(region) and "system_load" not in region.profiles:
        errors[where] = [
            f"region {slug!r} ships no hourly system load ({region.geography}): upload an hourly system load for "
            "it (system_load_upload, with system_load_region set to this region)"
        ]


def _scenario_region(scenario: Scenario) -> str:
    region = (scenario.inputs.get("grid") or {}).get("region") or ""
    return str(region.get("slug") or "") if isinstance(region, dict) else str(region)


def portfolio_validate(data: Any, *, organisation_id: int) -> dict[str, Any]:
    """The cleaned definition, or PortfolioInputError listing every problem."""
    if not isinstance(data, dict):
        raise PortfolioInputError({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors["name"] = ["must be 1–200 characters"]
    start, end = _years(data, errors)
    upload_id = data.get("system_load_upload")
    upload_region = str(data.get("system_load_region") or "").strip()
    if upload_id not in (None, ""):
        upload_ok = Upload.objects.filter(
            pk=as_id(upload_id) or -1, organisation_id=organisation_id, kind="system_load"
        ).exists()
        if not upload_ok:
            errors["system_load_upload"] = [f"no system_load upload #{upload_id} in this organisation"]
        if not upload_region:
            errors["system_load_region"] = ["say which region the uploaded system load is for"]
    members = data.get("members")
    if not isinstance(members, list) or not members:
        errors["members"] = ["a portfolio needs at least one member"]
        members = []
    elif len(members) > MAX_MEMBERS:
        errors["members"] = [f"at most {MAX_MEMBERS} members"]
    cleaned_members = []
    for i, member in enumerate(members):
        where = f"members[{i}]"
        if not isinstance(member, dict):
            errors[where] = ["must be an object"]
            continue
        scenario_id = member.get("scenario")
        scenario = (
            Scenario.objects.filter(pk=as_id(scenario_id), organisation_id=organisation_id).first()
            if as_id(scenario_id) is not None
            else None
        )
        if scenario is None:  # another organisation's scenario is reported exactly like a missing one
            errors[f"{where}.scenario"] = [f"no scenario #{scenario_id} in this organisation"]
        region = str(member.get("region") or (_scenario_region(scenario) if scenario else "") or "").strip()
        own = own_region(region, organisation_id=organisation_id) if region else None
        if own is None:  # the shipped catalog's slugs are case-insensitive; an own region's slug is exact
            region = region.lower()
        if not region:
            if scenario is not None:  # an unknown scenario is the error; its region cannot be known
                errors[f"{where}.region"] = ["required"]
        elif len(region) > MAX_REGION_CHARS:  # PortfolioMember.region
            errors[f"{where}.region"] = [f"a region slug is at most {MAX_REGION_CHARS} characters"]
        else:
            _region(region, f"{where}.region", errors, has_upload=region == upload_region, own=own)
        year = _int(member, "in_service_year", errors, f"{where}.in_service_year")
        if year is not None and start is not None and end is not None and not start <= year <= end:
            errors[f"{where}.in_service_year"] = [f"{year} is outside the horizon {start}–{end}"]
        ramp, unit = _ramp(member, where, errors)
        cleaned_members.append(
            {
                "scenario": scenario.pk if scenario else None,
                "region": region,
                "in_service_year": year,
                "ramp": ramp,
                "ramp_unit": unit,
            }
        )
    if upload_region and cleaned_members and upload_region not in {m["region"] for m in cleaned_members}:
        errors["system_load_region"] = [f"{upload_region!r} is not the region of any member"]
    if errors:
        raise PortfolioInputError(errors)
    return {
        "name": name,
        "description": str(data.get("description") or ""),
        "start_year": start,
        "end_year": end,
        "system_load_upload": int(upload_id) if upload_id not in (None, "") else None,
        "system_load_region": upload_region,
        "members": cleaned_members,
    }
