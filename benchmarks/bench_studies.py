"""Points per second of a 1,024-sample Monte Carlo and a 512-point sweep: in this process, and fanned
out over 1 and over 2 Celery worker processes.

Run (needs PostgreSQL and Redis; each worker is a `celery worker --concurrency=1` process):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/planner_studies \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 PLANNER_CELERY_QUEUE=planner-studies \\
    .venv/bin/python benchmarks/bench_studies.py [--samples 1024] [--points 512] [--repeat 1] [--in-process-only]

For each study (the Ashburn example's Monte Carlo with the default uncertain inputs, Sobol'
samples; a sweep of the autocomplete workload's peak rate) it prints:
- in-process, one at a time: `evaluate_point` per point (the path before blocks);
- in-process, blocks: `run_in_process` (`evaluate_block`: weather, engine curves and validation shared);
- 1 and 2 workers: wall time from submit to the run's finish (probe, chunk tasks through Redis,
  rows in PostgreSQL, the aggregate), points per second, and the 2-worker speed-up;
then, in this process only, a Monte Carlo of inputs that never change the fleet (carbon
intensity, energy price, capacity slope: one facility stage for all samples).
Each line carries the 1-minute load average at its end: this machine is shared, so read the
figures beside it. The in-process lines also give points per second of this process's CPU time
(less sensitive to the other processes on the machine). `--in-process-only` starts no workers.
Workers are warmed up first with a small study (imports, catalogs).
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


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


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


def _monte_carlo(samples: int) -> dict:
    return {"kind": "uncertainty", "samples": samples, "method": "sobol"}


def _run_study(user, scenario, definition: dict, timeout_s: float = 900) -> tuple[float, object]:
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
        time.sleep(0.02)  # the finish is seen within 20 ms (a 2-worker sweep lasts ≈ 0.7 s); light on the database
    raise SystemExit(f"study run {run.pk} did not finish within {timeout_s} s")


SCALAR_ONLY_INPUTS = [  # inputs that never change the fleet (issue 19): one facility stage for every sample
    {"parameter": name, "mode": "relative", "distribution": {"kind": "uniform", "low": 0.5, "high": 1.5}}
    for name in ("carbon_intensity", "energy_price", "capacity_price_slope")
]


def _in_process(label: str, definition: dict, document: dict, *, one_at_a_time: bool) -> float:
    from planner.engine.studies.aggregate import run_in_process
    from planner.engine.studies.definition import parse_study
    from planner.engine.studies.points import evaluate_point, relative_names, study_plan

    study = parse_study(definition)
    started, cpu_started = time.perf_counter(), time.process_time()
    if one_at_a_time:
        plan = study_plan(study, document)
        relative = relative_names(study, document)
        with_series = study.kind == "uncertainty"
        for values in plan.values():
            evaluate_point(document, values, relative=relative, with_series=with_series)
        points = len(plan)
        how = "one at a time (evaluate_point)"
    else:
        plan, _, _ = run_in_process(study, document)
        points = len(plan)
        how = "blocks (evaluate_block)"
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    # CPU time too: on a shared machine the wall figure also counts the time other processes held the core.
    print(
        f"  in-process, {how}: {wall_s:.2f} s, {points / wall_s:.1f} points/s; "
        f"CPU {cpu_s:.2f} s, {points / cpu_s:.1f} points/s of CPU ({_load()})"
    )
    return points / wall_s


def _fanned_out(label: str, user, scenario, definition: dict, warm: dict, repeat: int) -> dict[int, float]:
    from django.db import connection

    from tests.conftest import Worker

    rates: dict[int, float] = {}
    for count in (1, 2):
        workers = [Worker(connection.settings_dict["NAME"]).start() for _ in range(count)]
        try:
            _run_study(user, scenario, warm)  # warm-up: imports and catalogs in each worker
            walls = []
            for _ in range(repeat):
                wall, run = _run_study(user, scenario, definition)
                walls.append(wall)
            wall_s = statistics.median(walls)
        finally:
            for worker in workers:
                worker.stop()
        stored = run.points.count()
        hosts = sorted({p.worker for p in run.points.all()})
        rates[count] = run.points_total / wall_s
        print(
            f"  {count} worker(s): {wall_s:.2f} s, {rates[count]:.1f} points/s, status {run.status}, "
            f"{stored}/{run.points_total} points stored, on {len(hosts)} worker(s); "
            f"runs {', '.join(f'{w:.2f}' for w in walls)} s ({_load()})"
        )
    print(f"  speed-up with 2 workers: {rates[2] / rates[1]:.2f}x")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1024, help="Monte Carlo samples (a power of 2)")
    parser.add_argument("--points", type=int, default=512, help="sweep points")
    parser.add_argument(
        "--repeat", type=int, default=1, help="studies per way of running (in-process, 1, 2 workers); medians printed"
    )
    parser.add_argument("--skip-one-at-a-time", action="store_true", help="leave out the evaluate_point baseline")
    parser.add_argument(
        "--in-process-only", action="store_true", help="leave out the 1- and 2-worker runs (no workers started)"
    )
    parser.add_argument("--scenario", type=Path, default=ROOT / "examples" / "ashburn-chat.json")
    args = parser.parse_args()
    _setup()
    from planner.celery import app
    from planner.engine.studies.aggregate import run_in_process
    from planner.engine.studies.definition import parse_study

    user, scenario = _fixtures(args.scenario)
    run_in_process(parse_study(_sweep(2)), scenario.inputs)  # warm this process
    app.control.purge()
    print(f"machine: {os.cpu_count()} CPU cores, shared; {_load()} at the start")
    studies = (
        (f"Monte Carlo, {args.samples} Sobol samples", _monte_carlo(args.samples), _monte_carlo(8)),
        (f"sweep, {args.points} points", _sweep(args.points), _sweep(4)),
    )
    for label, definition, warm in studies:
        print(f"{label} ({args.scenario.name}):")
        if not args.skip_one_at_a_time:
            _in_process(label, definition, scenario.inputs, one_at_a_time=True)
        rates = [_in_process(label, definition, scenario.inputs, one_at_a_time=False) for _ in range(args.repeat)]
        if len(rates) > 1:
            print(f"  in-process, blocks: median of {len(rates)}: {statistics.median(rates):.1f} points/s")
        if not args.in_process_only:
            _fanned_out(label, user, scenario, definition, warm, args.repeat)
    scalar_only = {**_monte_carlo(args.samples), "inputs": SCALAR_ONLY_INPUTS}
    print(
        f"Monte Carlo, {args.samples} Sobol samples of carbon intensity, energy price, capacity slope only (one fleet):"
    )
    _in_process("scalar-only", scalar_only, scenario.inputs, one_at_a_time=False)


if __name__ == "__main__":
    main()
