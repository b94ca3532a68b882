"""Mixed load on gunicorn: 50 users mixing pages, API reads, /estimate and run submissions.

Run: `DATABASE_URL=postgres://… .venv/bin/python benchmarks/bench_load.py [--users 50] [--requests 3000]`
(issue 20 #9; goal on the project's 2-core machine: ≥ 100 req/s and p95 < 500 ms, 0 errors).

It needs PostgreSQL (DATABASE_URL; the benchmark's rows are kept in an organisation named
"bench-load", the runs it submits are deleted at the end) and starts everything else itself, on
loopback only: a throw-away redis-server on a free port as the broker (so the submitted runs are
queued for real, and nothing lands in a shared Redis; without the redis-server binary it uses
CELERY_BROKER_URL with its own queue name), and gunicorn (`--workers 3`, sync, as deployed) on a
free port with DJANGO_DEBUG=0. Then ``--users`` client threads, each signed in (its own session
cookie and API token), send ``--requests`` requests in all, drawn with a fixed seed from the mix:

- pages (40 %): scenario list, scenario page, result page, run list;
- API reads (35 %): scenarios list and detail, run detail, run result;
- /api/v1/estimate (15 %): one Llama 3.1 8B deployment on H100s;
- run submissions (10 %): POST /api/v1/scenarios/{id}/runs/ (queued; no worker computes them).

The organisation holds ``--stored-runs`` older runs (300; failed, so no worker picks them up) besides
those the benchmark submits: list pages cost what they cost in an organisation in use for a while.

Every request opens its own connection (gunicorn's sync workers close after each answer). It prints
req/s, p50/p95/p99 overall and per kind, the CPU time gunicorn spent per request (its master and
workers: the server's own cost, which the neighbours on a shared machine change far less than
req/s), the errors (any status other than 2xx) and the load
average before and after (the machine is shared: compare figures taken back to back).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

try:
    from local_server import free_port, start_gunicorn  # run as a script (benchmarks/ on sys.path)
except ImportError:
    from benchmarks.local_server import free_port, start_gunicorn  # imported by gunicorn from the root

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATE = 100.0
GOAL_P95_MS = 500.0
QUEUE = "planner-bench-load"
ESTIMATE = {"model": "llama-3.1-8b", "accelerator": "h100-sxm", "batch": 8}
FILLER = "bench-load-filler"
MIX = {"page": 0.40, "api": 0.35, "estimate": 0.15, "submit": 0.10}


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    body: bytes | None = None


@dataclass(frozen=True)
class User:
    session: str
    token: str


def _start_broker(workdir: Path) -> tuple[str, subprocess.Popen | None]:
    server = shutil.which("redis-server")
    if server is None:
        url = os.environ.get("CELERY_BROKER_URL", "")
        if not url.startswith("redis"):
            raise SystemExit("bench_load needs the redis-server binary or CELERY_BROKER_URL=redis://…")
        return url, None
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return f"redis://127.0.0.1:{port}/0", process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the throw-away redis-server did not start")


def _setup(users: int, stored_runs: int) -> tuple[list[User], dict[str, list[Request]], int]:
    """The bench's organisation, users (session + token each), scenarios, one computed run and
    ``stored_runs`` older runs (failed, so no worker ever picks them up): lists cost what they
    cost in an organisation that has been in use for a while."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    # The sessions made here must be valid for the server: the same settings as gunicorn's.
    os.environ.update(_server_settings())
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from planner.celery import app
    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation, Run, RunStatus, Scenario

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bench_load measures the deployed set-up: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0, interactive=False)
    organisation, _ = Organisation.objects.get_or_create(name="bench-load")
    people = []
    for index in range(users):
        user, created = get_user_model().objects.get_or_create(username=f"bench-load-{index}")
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": "planner"})
        token, _ = Token.objects.get_or_create(user=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        people.append(User(session=session.session_key or "", token=token.key))
    owner = get_user_model().objects.get(username="bench-load-0")
    scenarios = list(Scenario.objects.filter(organisation=organisation).order_by("pk")[:3])
    if len(scenarios) < 3:
        for path in sorted((ROOT / "examples").glob("*.json"))[: 3 - len(scenarios)]:
            inputs = json.loads(path.read_text())
            scenarios.append(services.scenario_create(owner=owner, organisation=organisation, inputs=inputs))
    run = Run.objects.filter(scenario__organisation=organisation, status=RunStatus.SUCCEEDED).first()
    if run is None:
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        base = scenarios[0]
        run = Run.objects.create(
            scenario=base, scenario_version=1, inputs=base.inputs, input_hash="bench", submitted_by=owner
        )
        services.run_execute(run_id=run.pk)
        app.conf.task_always_eager = eager
        run.refresh_from_db()
        if run.status != RunStatus.SUCCEEDED:
            raise SystemExit(f"the bench run failed: {run.error}")
    Run.objects.filter(scenario__organisation=organisation).exclude(pk=run.pk).exclude(input_hash=FILLER).delete()
    filler = Run.objects.filter(scenario__organisation=organisation, input_hash=FILLER)
    missing = stored_runs - filler.count()
    if missing > 0:
        Run.objects.bulk_create(
            Run(
                scenario=scenarios[index % len(scenarios)],
                scenario_version=1,
                inputs=scenarios[index % len(scenarios)].inputs,
                input_hash=FILLER,
                submitted_by=owner,
                status=RunStatus.FAILED,
                error="an older run stored by benchmarks/bench_load.py",
            )
            for index in range(missing)
        )
    elif missing < 0:
        filler.filter(pk__in=list(filler.values_list("pk", flat=True)[:-missing])).delete()
    first = run.pk
    mix = {
        "page": [Request("page", "GET", path) for path in ("/", f"/scenarios/{scenarios[0].pk}/", f"/runs/{first}/")]
        + [Request("page", "GET", "/runs/")],
        "api": [
            Request("api", "GET", path)
            for path in (
                "/api/v1/scenarios/",
                f"/api/v1/scenarios/{scenarios[1].pk}/",
                f"/api/v1/runs/{first}/",
                f"/api/v1/runs/{first}/result/",
            )
        ],
        "estimate": [Request("estimate", "POST", "/api/v1/estimate", json.dumps(ESTIMATE).encode())],
        "submit": [Request("submit", "POST", f"/api/v1/scenarios/{s.pk}/runs/", b"{}") for s in scenarios],
    }
    return people, mix, organisation.pk


def _server_settings() -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-load-secret-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }


def _start_gunicorn(port: int, workers: int, broker_url: str, wsgi: str) -> subprocess.Popen:
    env = {**os.environ, **_server_settings(), "CELERY_BROKER_URL": broker_url, "PLANNER_CELERY_QUEUE": QUEUE}
    return start_gunicorn(wsgi=wsgi, port=port, workers=workers, env=env)


def _send(port: int, user: User, request: Request) -> int:
    headers = {"Cookie": f"sessionid={user.session}", "Host": "127.0.0.1"}
    if request.path.startswith("/api/"):
        headers = {"Authorization": f"Token {user.token}", "Host": "127.0.0.1"}
    if request.body is not None:
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(request.method, request.path, body=request.body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _drive(port: int, people: list[User], plan: list[Request]) -> tuple[float, list[tuple[str, float, int]]]:
    """Send ``plan`` from one thread per user; returns the wall time and (kind, ms, status) per request."""
    results: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    cursor = iter(range(len(plan)))

    def user_loop(user: User) -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            request = plan[index]
            started = time.perf_counter()
            try:
                status = _send(port, user, request)
            except OSError:
                status = 0
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            with lock:
                results.append((request.kind, elapsed_ms, status))

    threads = [threading.Thread(target=user_loop, args=(user,)) for user in people]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def _process_tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live children (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if root in (pid, parent):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[94], cuts[98]


def _plan(mix: dict[str, list[Request]], count: int, seed: int) -> list[Request]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible request mix, not a secret
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [rng.choice(mix[kind]) for kind in kinds]


def _cleanup(organisation_id: int, broker_url: str, own_broker: bool) -> None:
    from planner.scenarios.models import Run, RunStatus

    submitted = Run.objects.filter(scenario__organisation_id=organisation_id).exclude(input_hash=FILLER)
    submitted.exclude(status=RunStatus.SUCCEEDED).delete()
    if not own_broker:
        import redis

        redis.Redis.from_url(broker_url, socket_timeout=2).delete(QUEUE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="client threads, one signed-in user each")
    parser.add_argument("--requests", type=int, default=3000, help="requests in all (after a warm-up)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--stored-runs", type=int, default=300, help="older runs the organisation holds")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--wsgi", default="planner.wsgi:application", help="the WSGI app (e.g. a profiling wrapper)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    broker_url, broker = _start_broker(workdir)
    server = None
    try:
        people, mix, organisation_id = _setup(args.users, args.stored_runs)
        port = free_port()
        server = _start_gunicorn(port, args.workers, broker_url, args.wsgi)
        _drive(port, people, _plan(mix, 4 * len(people), args.seed + 1))  # warm-up: imports, caches, connections
        load_before = os.getloadavg()
        server_cpu_before = _process_tree_cpu_s(server.pid)
        client_cpu_before = time.process_time()
        elapsed_s, results = _drive(port, people, _plan(mix, args.requests, args.seed))
        server_cpu_ms = (_process_tree_cpu_s(server.pid) - server_cpu_before) * 1000.0 / args.requests
        client_cpu_ms = (time.process_time() - client_cpu_before) * 1000.0 / args.requests
        load_after = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        try:
            if server is not None:
                _cleanup(organisation_id, broker_url, broker is not None)
        finally:
            if broker is not None:
                broker.send_signal(signal.SIGTERM)
                broker.wait(timeout=10)
            shutil.rmtree(workdir, ignore_errors=True)

    errors = [status for _, _, status in results if not 200 <= status < 300]  # a redirect to sign-in is one
    rate = len(results) / elapsed_s
    p50, p95, p99 = _percentiles([ms for _, ms, _ in results])
    print(
        f"bench_load: gunicorn {args.workers} sync workers, {args.users} users, {len(results)} requests, "
        f"{os.cpu_count()} cores, load average {load_before[0]:.1f} before / {load_after[0]:.1f} after"
    )
    print(
        f"  all        {rate:6.1f} req/s   p50 {p50:6.0f} ms   p95 {p95:6.0f} ms   p99 {p99:6.0f} ms   "
        f"errors {len(errors)}"
    )
    print(
        f"  CPU per request: gunicorn {server_cpu_ms:.1f} ms, load client {client_cpu_ms:.1f} ms "
        "(less noisy than req/s on a shared machine)"
    )
    for kind in MIX:
        times = [ms for k, ms, _ in results if k == kind]
        if len(times) >= 2:
            k50, k95, k99 = _percentiles(times)
            print(f"  {kind:<9} {len(times):5d} req      p50 {k50:6.0f} ms   p95 {k95:6.0f} ms   p99 {k99:6.0f} ms")
    if errors:
        print(f"  error statuses: {sorted(set(errors))}")
    verdict = rate >= GOAL_RATE and p95 < GOAL_P95_MS and not errors
    print(f"  goal ≥ {GOAL_RATE:.0f} req/s, p95 < {GOAL_P95_MS:.0f} ms, 0 errors: {'met' if verdict else 'NOT met'}")
    return 0 if verdict else 1


if __name__ == "__main__":
    raise SystemExit(main())
