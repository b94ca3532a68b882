"""`manage.py calibration_report`: every held-out error of the engine against the reference measurements."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    requires_system_checks = []  # pure computation
    help = (
        "Leave-one-model-out (ML.ENERGY v3) and leave-one-accelerator / leave-one-scenario-out (MLPerf v4.1 "
        "throughput, v4.0 H100 wall power) errors per family and accelerator with median, p90 and worst; "
        "in-sample for contrast; MaxP/MaxQ ratios; fitted constants on a bound with their mechanism; band "
        "coverage on held-out rows (≈3 min). Same as `python -m accelerators.calibration_report`."
    )

    def handle(self, *args, **opts):
        from accelerators import calibration, calibration_report, calibration_stacks

        files = (
            calibration.DEFAULT_CSV,
            calibration.MOE_CSV,
            calibration.MLPERF_CSV,
            calibration_stacks.THROUGHPUT_CSV,
        )
        missing = [p.name for p in files if not p.exists()]
        if missing:
            raise CommandError(f"reference files not found: {', '.join(missing)} (expected in ../shared/reference)")
        calibration_report.main()
