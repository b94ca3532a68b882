"""`manage.py sweep SCENARIO.json --vary PATH=V1,V2 [--vary ...] [--json]`: a table of variants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner.engine.documents import DocumentError, read_json_file
from planner.engine.result import to_jsonable
from planner.engine.schema import ScenarioError
from planner.engine.sweep import SweepError, sweep


def _value(text: str) -> Any:
    """A JSON value where the text is one (numbers, true/false, objects), else the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_vary(items: list[str]) -> dict[str, list[Any]]:
    vary: dict[str, list[Any]] = {}
    for item in items:
        path, sep, values = item.partition("=")
        if not sep or not path.strip() or not values.strip():
            raise CommandError(
                f"--vary {item!r}: expected PATH=VALUE1,VALUE2 (e.g. site.cooling=evaporative,immersion)"
            )
        vary[path.strip()] = [_value(v.strip()) for v in values.split(",")]
    return vary


class Command(BaseCommand):
    help = "Compute a scenario for every combination of the varied fields and print one row each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", help="path to a scenario JSON file")
        parser.add_argument("--vary", action="append", default=[], metavar="PATH=V1,V2", help="field and its values")
        parser.add_argument("--json", action="store_true", help="print the rows as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["scenario"])
        try:
            document = read_json_file(path)
        except DocumentError as error:
            raise CommandError(
                f"scenario {error}" if error.message.startswith("file not found") else f"{path}: {error}", returncode=2
            ) from None
        vary = parse_vary(options["vary"])
        try:
            rows = sweep(document, vary)
        except ScenarioError as error:
            raise CommandError(f"{path}: invalid scenario: {error}") from None
        except SweepError as error:
            raise CommandError(str(error)) from None
        table = [{"values": r.values, "kpis": r.kpis, "error": r.error} for r in rows]
        if options["json"]:
            self.stdout.write(json.dumps(to_jsonable({"scenario": str(path), "vary": vary, "rows": table})))
            return
        for row in table:
            label = ", ".join(f"{k}={v}" for k, v in row["values"].items())
            if row["error"]:
                self.stdout.write(f"{label}: refused: {row['error']}")
                continue
            kpis = row["kpis"]
            self.stdout.write(
                f"{label}: peak {kpis['peak_facility_power_mw']:.2f} MW, PUE {kpis['annual_pue']:.3f}, "
                f"{kpis['devices']} devices, {kpis['annual_facility_energy_mwh']:.0f} MWh/yr"
            )
