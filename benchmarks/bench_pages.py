"""p95 server time of the result and compare pages for full-year (8,760-hour) runs.

Run: `.venv/bin/python benchmarks/bench_pages.py [--repeat 60]` (or `make bench`). With no
DATABASE_URL it uses a throw-away SQLite file; with one, that database (migrated, and the
benchmark's rows are left in an organisation named "bench-pages"). The three example scenarios
are computed once with the real engines; then each page is requested through Django's test
client (URL routing, middleware, session auth, database, templates: everything but the socket).
Goal (issue 6): p95 ≤ 150 ms per page.
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
GOAL_MS = 150.0


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        var = Path(tempfile.mkdtemp(prefix="bench-pages-"))
        (var / "staticfiles").mkdir()  # whitenoise serves from the finders; the folder only has to exist
        os.environ["PLANNER_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    os.environ.pop("CELERY_BROKER_URL", None)  # compute in-process
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _runs():
    from django.contrib.auth import get_user_model

    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation, Run, RunStatus

    organisation, _ = Organisation.objects.get_or_create(name="bench-pages")
    user, _ = get_user_model().objects.get_or_create(username="bench-pages")
    Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": "planner"})
    runs = []
    for path in sorted((ROOT / "examples").glob("*.json")):
        scenario = services.scenario_create(owner=user, organisation=organisation, inputs=json.loads(path.read_text()))
        run = Run.objects.create(
            scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="bench", submitted_by=user
        )
        services.run_execute(run_id=run.pk)
        run.refresh_from_db()
        if run.status != RunStatus.SUCCEEDED:
            raise SystemExit(f"{path.name}: run failed: {run.error}")
        runs.append(run)
    return user, runs


def _time(client, url: str, repeat: int) -> list[float]:
    client.get(url)  # warm caches (templates, catalogs)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000.0)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60, help="requests per page (default 60)")
    args = parser.parse_args()
    _setup()
    from django.test import Client
    from django.urls import reverse

    from planner.engine.result import hourly_from_npz
    from planner.scenarios.models import RunHourly

    user, runs = _runs()
    hours = len(hourly_from_npz(RunHourly.objects.get(run=runs[0]).npz)["facility_power_mw"])
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(user)
    pages = {
        "result page": reverse("run-detail", args=[runs[0].pk]),
        f"compare page ({len(runs)} runs)": reverse("run-compare") + "?" + "&".join(f"run={r.pk}" for r in runs),
        "hourly JSON, 11 series gzipped (browser fetch)": reverse("run-hourly", args=[runs[0].pk])
        + "?series=facility_power_mw,it_power_mw,host_power_mw,network_power_mw,accelerator_power_mw,"
        "power_losses_mw,cooling_power_mw,pue,dry_bulb_c,carbon_intensity_g_per_kwh,"
        "marginal_carbon_intensity_g_per_kwh",
    }
    print(f"bench_pages: {len(runs)} full-year runs ({hours:,} hourly values per series), {args.repeat} requests each")
    failed = False
    for label, url in pages.items():
        times = _time(client, url, args.repeat)
        p95 = _p95(times)
        in_goal = "hourly" not in label
        verdict = ("ok" if p95 <= GOAL_MS else "OVER GOAL") if in_goal else "info"
        failed |= in_goal and p95 > GOAL_MS
        median = statistics.median(times)
        print(f"  {label:48s} p50 {median:7.1f} ms   p95 {p95:7.1f} ms   [{verdict}, goal ≤ {GOAL_MS:.0f} ms]")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
