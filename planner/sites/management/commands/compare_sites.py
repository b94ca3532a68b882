"""`manage.py compare_sites COMPARISON.json [--json]`: one demand at several candidate sites, ranked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner.engine.documents import DocumentError, read_json_file
from planner.engine.schema import ScenarioError
from planner.engine.site_comparison import compare_sites, parse_comparison


def _fmt(value: Any, digits: int = 3) -> str:
    return "—" if value is None else f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


class Command(BaseCommand):
    help = "Compare candidate sites for one scenario's demand and print the ranking."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("comparison", help="path to a site comparison JSON file")
        parser.add_argument("--json", action="store_true", help="print the whole comparison as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["comparison"])
        # Exit status 2 for every input problem, as `plan`: a message, no traceback.
        try:
            spec = parse_comparison(read_json_file(path))
        except DocumentError as error:
            raise CommandError(
                f"comparison {error}" if error.message.startswith("file not found") else f"{path}: {error}",
                returncode=2,
            ) from None
        except ScenarioError as error:
            lines = [f"  {field}: {' '.join(messages)}" for field, messages in error.errors.items()]
            raise CommandError(f"{path}: invalid comparison\n" + "\n".join(lines), returncode=2) from None
        result = compare_sites(spec)
        if options["json"]:
            self.stdout.write(json.dumps(result, allow_nan=False))
            return
        head = (
            "rank",
            "site",
            "devices",
            "peak MW",
            "PUE",
            "water m³",
            "tCO2e loc",
            "tCO2e mkt",
            "$/Mtok",
            "bill $/mo",
            "headroom",
            "RTT ms",
            "score",
        )
        self.stdout.write(" | ".join(head))
        # Ranked sites first, best first; then the sites no workload could use, in the order given.
        for row in sorted(result["sites"], key=lambda r: (r.get("rank") is None, r.get("rank") or 0)):
            m = row.get("metrics", {})
            cells = [
                row.get("rank") or "—",
                row["name"],
                m.get("devices"),
                _fmt(m.get("peak_mw"), 1),
                _fmt(m.get("pue")),
                _fmt(m.get("water_m3"), 0),
                _fmt(m.get("tco2e_location"), 0),
                _fmt(m.get("tco2e_market"), 0),
                _fmt(m.get("usd_per_mtok")),
                _fmt(m.get("household_bill_usd_per_month")),
                _fmt(m.get("headroom_share_frac")),
                _fmt(row.get("mean_rtt_ms"), 0),
                _fmt(row.get("score")),
            ]
            self.stdout.write(" | ".join(str(c) for c in cells))
            by_workload = m.get("usd_per_mtok_by_workload") or {}
            if by_workload:
                self.stdout.write(
                    "    $/Mtok by workload (output / prompt + output): "
                    + "; ".join(
                        f"{name} {_fmt(c.get('output'))} / {_fmt(c.get('prompt_and_output'))}"
                        for name, c in by_workload.items()
                    )
                )
            for reason in row.get("reasons", []):
                self.stdout.write(f"    not ranked: {reason}")
        for workload, place in result["placement"].items():
            self.stdout.write(f"{workload}: {place['site']} ({place['reason']})")
        for pair in (result.get("migration") or {}).get("pairs", []):
            self.stdout.write(
                f"migration {pair['from']} → {pair['to']}: {pair['hours']} h, {_fmt(pair['migrated_mtok'], 1)} Mtok "
                f"(lost avoided {_fmt(pair['lost_mtok_avoided'], 1)} of {_fmt(pair['lost_mtok_at_source'], 1)}, "
                f"deferral avoided {_fmt(pair['deferred_mtok_avoided'], 1)} of "
                f"{_fmt(pair['deferred_mtok_at_source'], 1)}), {_fmt(pair['target_mwh'], 3)} MWh at the target "
                f"(${_fmt(pair['target_energy_usd'], 2)}), "
                f"lost-token value avoided ${_fmt(pair['lost_usd_avoided'], 2)}"
            )
