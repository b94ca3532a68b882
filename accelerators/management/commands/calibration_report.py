"""`manage.py calibration_report`: leave-one-model-out errors of the engine against the reference measurements."""

import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    requires_system_checks = []  # pure computation
    help = (
        "Leave-one-model-out (headline) and in-sample errors of energy per token and inter-token latency "
        "against ../shared/reference (ML.ENERGY v3, large MoE, MLPerf H100); same as "
        "`python -m accelerators.calibration report`."
    )

    def handle(self, *args, **opts):
        from accelerators import calibration

        missing = [p.name for p in (calibration.DEFAULT_CSV, calibration.MOE_CSV) if not p.exists()]
        if missing:
            raise CommandError(f"reference files not found: {', '.join(missing)} (expected in ../shared/reference)")
        argv, sys.argv = sys.argv, ["calibration", "report"]
        try:
            calibration.main()
        finally:
            sys.argv = argv
