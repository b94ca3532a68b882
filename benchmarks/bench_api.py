"""API read throughput under gunicorn, next to bare Django views on the same server, same run.

Run: `.venv/bin/python benchmarks/bench_api.py [--seconds 5] [--rounds 2] [--clients 4]`.
With no DATABASE_URL it uses a throw-away SQLite file. It computes the example scenario once,
starts gunicorn (sync workers, one per core) on 127.0.0.1 with a free port serving this module's
WSGI app (the planner plus two bench-only bare views), and load-tests with client processes
(one new connection per request, as gunicorn's sync workers close after each answer):

- ``bare``       GET /bench/bare/                  Django view returning a constant JSON: the ceiling
- ``bare read``  GET /bench/bare/scenario/<id>/    plain Django: token lookup, membership, the
                                                   scenario row, JsonResponse (the API's work, no DRF)
- ``API``        GET /api/v1/scenarios/<id>/       DRF: token auth, throttle, scoping, serializer
- ``API result`` GET /api/v1/runs/<id>/result/     DRF: the run's KPIs with ETag

Endpoints are measured in alternation for ``--rounds`` rounds; the median of the rounds is printed
with the ratio API / bare read and API / bare. Goal (issue 7): API ≥ 0.5 × the bare view.
The client shares the machine's cores with the server, as in any single-machine benchmark.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

try:
    from local_server import free_port, start_gunicorn  # run as a script (benchmarks/ on sys.path)
except ImportError:
    from benchmarks.local_server import free_port, start_gunicorn  # imported by gunicorn from the root

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 0.5


# ---- the WSGI app gunicorn serves (imported with BENCH_API_WSGI=1) ------------------------------


def _bare(_request):
    from django.http import JsonResponse

    return JsonResponse({"ok": True})


def _bare_read(request, scenario_id: int):
    """What the API's scenario read does, in plain Django: no DRF."""
    from django.http import JsonResponse
    from rest_framework.authtoken.models import Token

    from planner.scenarios.models import Scenario

    key = request.headers.get("Authorization", "").removeprefix("Token ").strip()
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None:
        return JsonResponse({"detail": "unauthenticated"}, status=401)
    scenario = (
        Scenario.objects.filter(pk=scenario_id, organisation__memberships__user=token.user)
        .select_related("organisation", "owner")
        .first()
    )
    if scenario is None:
        return JsonResponse({"detail": "not found"}, status=404)
    return JsonResponse(
        {
            "id": scenario.pk,
            "name": scenario.name,
            "organisation": scenario.organisation_id,
            "organisation_name": scenario.organisation.name,
            "owner": scenario.owner.username,
            "version": scenario.version,
            "schema_version": scenario.schema_version,
            "created_at": scenario.created_at.isoformat(),
            "updated_at": scenario.updated_at.isoformat(),
            "inputs": scenario.inputs,
        }
    )


def _wsgi_application():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path

    global urlpatterns
    urlpatterns = [
        path("bench/bare/", _bare),
        path("bench/bare/scenario/<int:scenario_id>/", _bare_read),
        path("", include("planner.urls")),
    ]
    settings.ROOT_URLCONF = __name__
    return get_wsgi_application()


if os.environ.get("BENCH_API_WSGI") == "1":
    application = _wsgi_application()


# ---- set-up, server and load ------------------------------------------------------------------


def _setup() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        var = Path(tempfile.mkdtemp(prefix="bench-api-"))
        (var / "staticfiles").mkdir()
        os.environ["PLANNER_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    # The benchmark measures throughput, not the rate limit: lift it for this server only.
    os.environ["PLANNER_API_RATE"] = "100000000/second"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation, Run, RunStatus

    call_command("migrate", verbosity=0, interactive=False)
    organisation, _ = Organisation.objects.get_or_create(name="bench-api")
    user, _ = get_user_model().objects.get_or_create(username="bench-api")
    Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": "planner"})
    inputs = json.loads((ROOT / "examples" / "ashburn-chat.json").read_text())
    scenario = services.scenario_create(owner=user, organisation=organisation, inputs=inputs)
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="bench", submitted_by=user
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    if run.status != RunStatus.SUCCEEDED:
        raise SystemExit(f"the example run failed: {run.error}")
    token, _ = Token.objects.get_or_create(user=user)
    return {
        "bare": "/bench/bare/",
        "bare read": f"/bench/bare/scenario/{scenario.pk}/",
        "API": f"/api/v1/scenarios/{scenario.pk}/",
        "API result": f"/api/v1/runs/{run.pk}/result/",
        "_token": token.key,
    }


def _start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    return start_gunicorn(
        wsgi="benchmarks.bench_api:application", port=port, workers=workers, env={**os.environ, "BENCH_API_WSGI": "1"}
    )


def _client(port: int, path: str, token: str, seconds: float) -> tuple[int, int]:
    """Requests completed (2xx) and failed by one client process in `seconds`."""
    done = failed = 0
    headers = {"Authorization": f"Token {token}"}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        if 200 <= response.status < 300:
            done += 1
        else:
            failed += 1
    return done, failed


def _measure(pool, port: int, path: str, token: str, seconds: float, clients: int) -> float:
    started = time.perf_counter()
    results = list(pool.map(_client, *zip(*[(port, path, token, seconds)] * clients, strict=True)))
    elapsed = time.perf_counter() - started
    failed = sum(f for _, f in results)
    if failed:
        raise SystemExit(f"{path}: {failed} requests failed")
    return sum(d for d, _ in results) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    args = parser.parse_args()

    endpoints = _setup()
    token = endpoints.pop("_token")
    port = free_port()
    server = _start_gunicorn(port, args.workers)
    rates: dict[str, list[float]] = {name: [] for name in endpoints}
    try:
        with ProcessPoolExecutor(max_workers=args.clients) as pool:
            for path in endpoints.values():  # warm-up: imports, caches, connections
                _measure(pool, port, path, token, 0.5, args.clients)
            for _ in range(args.rounds):
                for name, path in endpoints.items():
                    rates[name].append(_measure(pool, port, path, token, args.seconds, args.clients))
    finally:
        server.terminate()
        server.wait(timeout=20)

    median = {name: statistics.median(values) for name, values in rates.items()}
    print(f"gunicorn {args.workers} sync workers, {args.clients} client processes, {os.cpu_count()} cores")
    print(f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}")
    for name, path in endpoints.items():
        runs = ", ".join(f"{value:.0f}" for value in rates[name])
        print(f"  {name:<11} {median[name]:8.0f} req/s   (rounds: {runs})   {path}")
    for api in ("API", "API result"):
        for bare in ("bare read", "bare"):
            ratio = median[api] / median[bare]
            verdict = "meets" if ratio >= GOAL_RATIO else "below"
            print(f"  ratio {api} / {bare}: {ratio:.2f} ({verdict} the goal ≥ {GOAL_RATIO})")


if __name__ == "__main__":
    main()
