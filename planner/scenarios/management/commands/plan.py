"""`manage.py plan SCENARIO.json --json [--hourly]`: compute a scenario synchronously."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner.engine.checks import checked_scenario
from planner.engine.documents import DocumentError, read_json_file
from planner.engine.flex_summary import flexibility_lever, flexibility_rows
from planner.engine.runner import run_scenario
from planner.engine.schema import ScenarioError
from planner.reports.units import fmt


class Command(BaseCommand):
    help = "Compute a scenario file synchronously and print its result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", help="path to a scenario JSON file (schema version 1)")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
        parser.add_argument("--hourly", action="store_true", help="include the 8,760-hour series")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["scenario"])
        # Exit status 2 for every input problem (file, JSON, scenario): a message, no traceback.
        try:
            data = read_json_file(path)
        except DocumentError as error:
            raise CommandError(
                f"scenario {error}" if error.message.startswith("file not found") else f"{path}: {error}", returncode=2
            ) from None
        try:
            spec = checked_scenario(data)  # the one validation of runs, study points and sweeps
            result = run_scenario(spec)
        except ScenarioError as error:
            lines = [f"  {field}: {' '.join(messages)}" for field, messages in error.errors.items()]
            raise CommandError(f"{path}: invalid scenario\n" + "\n".join(lines), returncode=2) from None
        except ValueError as error:  # catalog and engine errors name what is wrong
            raise CommandError(f"{path}: {error}", returncode=2) from None
        document = result.to_dict(hourly=options["hourly"])
        if options["json"]:
            self.stdout.write(json.dumps(document, allow_nan=False))
            return
        self.stdout.write(_human_summary(document))


def _human_summary(document: dict[str, Any]) -> str:
    keys = [
        ("peak_facility_power_mw", "Peak facility power", "MW"),
        ("annual_facility_energy_mwh", "Annual facility energy", "MWh"),
        ("annual_it_energy_mwh", "Annual IT energy", "MWh"),
        ("annual_cooling_energy_mwh", "Annual cooling energy", "MWh"),
        ("annual_pue", "Annual PUE", ""),
        ("peak_pue", "Peak PUE", ""),
        ("annual_water_m3", "Annual water", "m³"),
        ("servers", "Servers", ""),
        ("racks", "Racks", ""),
    ]
    lines = [f"Scenario: {document.get('meta', {}).get('scenario_name', '')}"]
    constraints = document.get("constraints") or []
    if constraints:
        lines.append("  COMPLETED — CONSTRAINTS NOT MET:")
        lines.extend(f"    {c['label']}: {c['message']}" for c in constraints)
    for key, label, unit in keys:
        if key in document:
            lines.append(f"  {label:28s} {document[key]} {unit}".rstrip())
    tco = document.get("tco") or {}
    if tco:
        lines.append(f"  {'Total cost of ownership':28s} {tco['tco_usd_per_year']:,.0f} USD/yr")
        lines.append(f"  {'Cost per million output tok':28s} {tco['usd_per_million_output_tokens']:.4f} USD/Mtok")
        if tco.get("usd_per_million_tokens") is not None:
            lines.append(f"  {'Cost per million tok (in+out)':28s} {tco['usd_per_million_tokens']:.4f} USD/Mtok")
        for name, row in (tco.get("by_workload") or {}).items():
            output, both = row.get("usd_per_million_output_tokens"), row.get("usd_per_million_tokens")
            if output is not None and both is not None:
                lines.append(
                    f"    {name:26s} {output:.4f} USD/Mtok output, {both:.4f} in+out "
                    f"({100 * row['share_frac']:.1f} % of TCO, {row['devices']:,} devices)"
                )
        for category, value in tco["breakdown_usd_per_year"].items():
            lines.append(f"    {category:26s} {value:,.0f} USD/yr")
    lines.extend(flexibility_lines(document.get("flexibility_dispatch")))
    for warning in document.get("warnings", []):
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)


def flexibility_lines(flex: dict[str, Any] | None) -> list[str]:
    """The dispatch's lever, headline rows and each pool's power-cap curve (engine, full load)."""
    lever = flexibility_lever(flex)
    if lever is None or flex is None:
        return []
    lines = [f"  {lever}"]
    for label, value, unit in flexibility_rows(flex):
        lines.append(f"    {label:50s} {fmt(value) if isinstance(value, int | float) else value} {unit}".rstrip())
    for caps in flex.get("power_caps") or []:
        lines.append(f"    power caps of pool {caps['pool']!r} (engine, full load, at the latency targets):")
        for level, power, tokens in zip(
            caps["cap_frac"], caps["full_load_power_frac"], caps["full_load_throughput_frac"], strict=True
        ):
            lines.append(f"      cap {level:.2f} × limit: power {power:.4f}, throughput {tokens:.4f}")
    return lines
