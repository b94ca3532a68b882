"""Report generation time for a full-year (8,760-hour) scenario: PDF (goal ≤ 5 s), XLSX, CSV, JSON.

Run: `.venv/bin/python benchmarks/bench_reports.py [--repeat 3] [--scenario examples/ashburn-chat.json]`.
With no DATABASE_URL it uses a throw-away SQLite file. The scenario is computed once with the real
engines; then each report is built from the stored run exactly as the Celery job does
(`report_content` + `build_file`: charts, HTML, WeasyPrint; the PDF includes its sensitivity
re-runs of the engine). The first PDF of a fresh process (imports of WeasyPrint and matplotlib,
fonts) is printed apart from the median of the following builds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_PDF_S = 5.0


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        var = Path(tempfile.mkdtemp(prefix="bench-reports-"))
        (var / "staticfiles").mkdir()
        os.environ["PLANNER_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _run(path: Path):
    from django.contrib.auth import get_user_model

    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation, Run, RunStatus

    organisation, _ = Organisation.objects.get_or_create(name="bench-reports")
    user, _ = get_user_model().objects.get_or_create(username="bench-reports")
    Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": "planner"})
    scenario = services.scenario_create(owner=user, organisation=organisation, inputs=json.loads(path.read_text()))
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="bench", submitted_by=user
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    if run.status != RunStatus.SUCCEEDED:
        raise SystemExit(f"{path.name}: run failed: {run.error}")
    return run


def _build_s(run, kind: str) -> tuple[float, int]:
    from planner.reports.builders import build_file
    from planner.reports.content import report_content

    started = time.perf_counter()
    built = build_file(kind=kind, content=report_content(run=run, sensitivity=kind == "pdf"))
    return time.perf_counter() - started, len(built.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=ROOT / "examples" / "ashburn-chat.json")
    args = parser.parse_args()
    _setup()
    run = _run(args.scenario)
    from planner.engine.result import hourly_from_npz

    hours = len(next(iter(hourly_from_npz(run.hourly.npz).values())))
    print(f"scenario {args.scenario.name}: {hours} hours, {len(run.result)} result keys")
    first_s, size = _build_s(run, "pdf")
    print(f"  pdf   first build in a fresh process {first_s:6.2f} s  ({size / 1e3:,.0f} kB)")
    for kind in ("pdf", "xlsx", "csv", "json"):
        times = [_build_s(run, kind) for _ in range(args.repeat)]
        median = statistics.median(t for t, _ in times)
        note = ""
        if kind == "pdf":
            verdict = "meets" if max(median, first_s) <= GOAL_PDF_S else "misses"
            note = f"  ({verdict} the goal ≤ {GOAL_PDF_S:g} s, first build included)"
        print(f"  {kind:<5} median of {args.repeat} {median:6.2f} s  ({times[0][1] / 1e3:,.0f} kB){note}")


if __name__ == "__main__":
    main()
