"""`manage.py headroom LOAD.csv [--time-column C] [--load-column C] --json`: flexibility headroom.

Thin: reads the file with grid.load_series and runs grid.headroom (Norris et al. 2025 method).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from grid.headroom import DUKE_RATES_FRAC, THRESHOLDS, HeadroomError, headroom_by_year
from grid.load_series import LoadSeriesError, read_load_csv_file


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a pure file computation; needs no database or URLs
    help = "Flexibility headroom (Duke 'Rethinking Load Growth' method) of an hourly system-load CSV."

    def add_arguments(self, parser):
        parser.add_argument("load_csv", help="hourly or sub-hourly system load file [MW]")
        parser.add_argument("--time-column", default=None)
        parser.add_argument("--load-column", default=None)
        parser.add_argument(
            "--thresholds",
            choices=THRESHOLDS,
            default="all_years",
            help="all_years: the study's historical seasonal peaks over all complete years (default); "
            "per_year: VARIANT, each year's own peaks and L averaged over years",
        )
        parser.add_argument("--json", action="store_true", help="print JSON (the only output format)")

    def handle(self, *args, **options):
        try:
            series = read_load_csv_file(
                options["load_csv"], time_column=options["time_column"], load_column=options["load_column"]
            )
            result = headroom_by_year(
                time=series.time,
                load_mw=series.load_mw,
                observed=series.observed,
                rates_frac=DUKE_RATES_FRAC,
                thresholds=options["thresholds"],
            )
        except (LoadSeriesError, HeadroomError) as error:  # one line, exit status 2 (as `plan`)
            raise CommandError(str(error).replace("\n", " "), returncode=2) from None
        result = {
            "file": options["load_csv"],
            "units": {
                "headroom_mw": "MW",
                "curtailed_mwh": "MWh",
                "headroom_pct_of_peak": "% of the highest hourly load over the complete years",
                "curtailed_hours_per_year": "h/year (mean over complete years)",
                "curtailed_mwh_per_year": "MWh/year (mean over complete years)",
                "mean_event_hours": "h",
            },
            **result,
            "input_report": series.report.to_dict(),
        }
        self.stdout.write(json.dumps(result, indent=1, ensure_ascii=False))
