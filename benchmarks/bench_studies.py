"""Points per second of a 64-point study sweep fanned out over 1 and over 2 Celery worker processes.

Run (needs PostgreSQL and Redis; each worker is a `celery worker --concurrency=1` process):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/planner_studies \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 PLANNER_CELERY_QUEUE=planner-studies \\
    .venv/bin/python benchmarks/bench_studies.py [--points 64] [--scenario examples/ashburn-chat.json]

Prints the in-process baseline (the same points computed one after another in this process, the
study core's `run_in_process`), then for 1 and 2 workers the wall time from submit to the run's
finish (chunk tasks through Redis, one row per point in PostgreSQL, the chord's aggregate) and
points per second. Workers are warmed up first with a small study (catalog loading, imports).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("CELERY_BROKER_URL"):
        # `make bench` runs every script: say why there is no figure instead of failing the others.
        print("bench_studies: skipped, needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (docstring)")
        raise SystemExit(0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _fixtures(path: Path):
    from django.contrib.auth import get_user_model

    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation

    organisation, _ = Organisation.objects.get_or_create(name="bench-studies")
    user, _ = get_user_model().objects.get_or_create(username="bench-studies")
    Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": "planner"})
    scenario = services.scenario_create(owner=user, organisation=organisation, inputs=json.loads(path.read_text()))
    return user, scenario


def _sweep(points: int) -> dict:
    return {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": [1000 * (i + 1) for i in range(points)]}}


def _run_study(user, scenario, definition: dict, timeout_s: float = 600) -> tuple[float, object]:
    from planner.studies import services
    from planner.studies.models import StudyRun

    study = services.study_create(
        owner=user, organisation=scenario.organisation, scenario=scenario, name="bench", definition=definition
    )
    started = time.perf_counter()
    run, _ = services.study_run_submit(study=study, submitted_by=user)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = StudyRun.objects.get(pk=run.pk)
        if run.is_finished:
            return time.perf_counter() - started, run
        time.sleep(0.05)
    raise SystemExit(f"study run {run.pk} did not finish within {timeout_s} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="studies per worker count; the median is printed")
    parser.add_argument("--scenario", type=Path, default=ROOT / "examples" / "ashburn-chat.json")
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from planner.celery import app
    from planner.engine.studies.aggregate import run_in_process
    from planner.engine.studies.definition import parse_study
    from planner.studies.services import chunk_points
    from tests.conftest import Worker

    user, scenario = _fixtures(args.scenario)
    definition = _sweep(args.points)
    run_in_process(parse_study(_sweep(1)), scenario.inputs)  # warm this process
    started = time.perf_counter()
    run_in_process(parse_study(definition), scenario.inputs)
    baseline_s = time.perf_counter() - started
    print(f"study sweep of {args.points} points ({args.scenario.name}), {chunk_points(args.points)} points per chunk")
    print(f"in-process baseline: {baseline_s:.2f} s, {args.points / baseline_s:.1f} points/s")
    app.control.purge()
    rates = {}
    for count in (1, 2):
        workers = [Worker(connection.settings_dict["NAME"]).start() for _ in range(count)]
        try:
            _run_study(user, scenario, _sweep(2 * count))  # warm-up: imports and catalogs in each worker
            walls = []
            for _ in range(args.repeat):
                wall, run = _run_study(user, scenario, definition)
                walls.append(wall)
            wall_s = statistics.median(walls)
        finally:
            for worker in workers:
                worker.stop()
        stored = run.points.count()
        hosts = sorted({p.worker for p in run.points.all()})
        rates[count] = args.points / wall_s
        print(
            f"{count} worker(s): {wall_s:.2f} s, {rates[count]:.1f} points/s, status {run.status}, "
            f"{stored}/{run.points_total} points stored, on {len(hosts)} worker(s); "
            f"runs {', '.join(f'{w:.2f}' for w in walls)} s"
        )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (machine: {os.cpu_count()} CPU cores, load {load})")


if __name__ == "__main__":
    main()
