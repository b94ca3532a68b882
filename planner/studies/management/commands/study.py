"""`manage.py study SCENARIO.json DEFINITION.json [--json]`: a study computed here, one point after another.

The same plan, points and summary as a study run on the workers (planner.engine.studies), without
the database: for an optimisation it prints the best mix, the MILP's bound, the gap to the best mix
re-checked by the engine, and the ε-constraint Pareto front.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner.engine.documents import DocumentError, read_json_file
from planner.engine.result import to_jsonable
from planner.engine.schema import ScenarioError, parse_scenario
from planner.engine.studies.aggregate import run_in_process
from planner.engine.studies.definition import parse_study
from planner.engine.sweep import SweepError


def _read(path: Path, what: str) -> Any:
    try:
        return read_json_file(path)
    except DocumentError as error:
        raise CommandError(f"{what} {path}: {error}", returncode=2) from None


def _values(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


class Command(BaseCommand):
    help = "Compute a study (sweep, uncertainty or optimisation) in this process and print its summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", help="path to a scenario JSON file")
        parser.add_argument("definition", help="path to a study definition JSON file (docs/studies.md)")
        parser.add_argument("--json", action="store_true", help="print the points and the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        scenario_path, definition_path = Path(options["scenario"]), Path(options["definition"])
        document = _read(scenario_path, "scenario")
        try:
            parse_scenario(document)
            study = parse_study(_read(definition_path, "definition"))
        except ScenarioError as error:
            raise CommandError(f"invalid input: {error}") from None
        started = time.perf_counter()
        try:
            plan, outcomes, summary = run_in_process(study, document)
        except (SweepError, ValueError) as error:
            raise CommandError(str(error)) from None
        elapsed = time.perf_counter() - started
        if options["json"]:
            points = [
                {"index": i, "values": plan[i], "kpis": outcomes[i].kpis, "error": outcomes[i].error} for i in plan
            ]
            self.stdout.write(json.dumps(to_jsonable({"summary": summary, "points": points})))
            return
        self.stdout.write(f"{study.kind} study of {scenario_path.name}: {len(plan)} points in {elapsed:.1f} s")
        if study.kind != "optimisation":
            self.stdout.write(json.dumps(to_jsonable(summary), indent=1)[:4000])
            return
        self._optimisation(study, plan, outcomes, summary)

    def _optimisation(self, study: Any, plan: dict, outcomes: dict, summary: dict) -> None:
        write = self.stdout.write
        objective = study.objective
        write(f"method {summary['method']}, objective {objective}")
        best = summary["best_index"]
        if best is None:
            write("no candidate meets every constraint")
        else:
            kpis = outcomes[best].kpis
            write(f"best: point {best}: {_values(plan[best])}")
            write(
                f"  {objective} {kpis[objective]:.6g}; {kpis['devices']:.0f} devices "
                f"{outcomes[best].devices_by_accelerator}; peak {kpis['peak_facility_power_mw']:.2f} MW"
            )
        milp = summary.get("milp")
        if not milp:
            return
        if milp["status"] != "optimal":
            write(f"MILP: no mix: {milp['message']} (binding: {milp['binding']})")
            return
        if milp.get("time_limited"):
            write("a HiGHS solve stopped at its time limit: the mixes may not be the MILP's best")
        gap = milp["gap_percent"]
        bound = "bound" if milp.get("bound_is_valid") else "estimate (not a proven bound)"
        write(f"linear model: {milp['linearisation']}")
        write(
            f"MILP over {milp['operating_points']} operating points: {bound} {milp['bound']:.6g}, "
            f"its best {milp['milp_best']:.6g}; best re-checked by the engine {milp['checked_best']:.6g}; "
            f"gap {'—' if gap is None else f'{round(gap, 3) + 0.0:.3f} %'}"
        )
        if milp.get("model_error_percent"):
            low, high = milp["model_error_percent"]
            write(f"engine − MILP on the re-checked mixes: {low:.2f} % to {high:.2f} % of the engine's figure")
        for row in milp["candidates"]:
            checked = "—" if row["checked"] is None else f"{row['checked']:.6g}"
            model = f"{row['model_objective']:.6g}"
            write(f"  point {row['index']}: MILP {model}, engine {checked}: {_values(row['values'])}")
        if milp["front"]:
            a, b = milp["front_kpis"]
            write(f"ε-constraint front ({a} against {b}, MILP figures):")
            for row in milp["front"]:
                pair = f"{row['model_pair'][0]:.6g}, {row['model_pair'][1]:.6g}"
                write(f"  point {row['index']}: {pair}: {_values(row['values'])}")
