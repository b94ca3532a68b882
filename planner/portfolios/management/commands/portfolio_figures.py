"""`manage.py portfolio_figures [RUN_ID]`: a portfolio run's year-by-year figures as a plain table (docs use it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from planner.portfolios.models import PortfolioRun
from planner.portfolios.report_tables import headroom_used_pct


def _cell(value: Any, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


class Command(BaseCommand):
    help = "Print a portfolio run's figures per region and year (default: the latest completed run)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("run_id", nargs="?", type=int)

    def handle(self, *args: Any, run_id: int | None = None, **options: Any) -> None:
        runs = PortfolioRun.objects.exclude(result=None).order_by("-id")
        run = runs.filter(pk=run_id).first() if run_id else runs.first()
        if run is None or not run.result:
            raise CommandError("no completed portfolio run" + (f" #{run_id}" if run_id else ""))
        out = self.stdout
        out.write(f"{run.portfolio.name} — run #{run.pk}: {run.status}")
        for constraint in run.result.get("constraints", []):
            out.write(f"  MISSED {constraint['label']}: {constraint['message']}")
        for slug, region in run.result["regions"].items():
            out.write(f"\n{region['region_name']} ({slug}) — geography: {region.get('geography', '')}")
            out.write(f"  system load: {region['system_load_source']}")
            heads = ", ".join(f"{r['rate_pct']:g} %: {_cell(r['headroom_mw'], 0)}" for r in region["headroom"])
            out.write(f"  headroom, first study year [MW]: {heads}")
            out.write(
                "  year | coinc. MW | peak MW | system peak MW | share % | headroom used @0.5 % | curtailed % "
                "| RM after % | cap. step $/MW-day | capped | energy +$/MWh | bill socialised / tariff / flexible $/mo"
            )
            for y in region["yearly"]:
                cut = y["curtailment"]
                bills = " / ".join(_cell(y["bills"][v]["total_usd_per_month"], 3) for v in y["bills"])
                out.write(
                    f"  {y['year']} | {_cell(y['aggregate_coincident_peak_mw'], 1)}"
                    f" | {_cell(y['aggregate_peak_mw'], 1)}"
                    f" | {_cell(y['system_peak_mw'], 0)} | {_cell(y['share_of_system_peak_pct'], 3)}"
                    f" | {_cell(headroom_used_pct(y), 2)} | "
                    f"{_cell(100 * cut['aggregate_rate_frac'], 4) if cut.get('assessed', True) else 'not assessed'}"
                    f" | {_cell(y['reserve_margin']['after_pct'], 2)}"
                    f" | {_cell(y['capacity_price_step_usd_per_mw_day'], 3)}"
                    f" | {'yes' if (y.get('capacity_market') or {}).get('capped') else 'no'}"
                    f" | {_cell(y['energy_price_rise_usd_per_mwh'], 4)} | {bills}"
                )
