"""A hung broker (a redis-server of the test, frozen with SIGSTOP: it accepts connections and never
answers) must not hold the web tier: every submit answers 503 with the reason in under 2 s, so a
few submits cannot take every web worker (issue 20 #3). Before the broker calls were bounded, the
first submit waited forever."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.jobs.models import JobStatus
from planner.scenarios.models import Run

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER_WITHIN_S = 2.0


def _timed(call: Callable[[], Any], *, give_up_after_s: float = 15.0) -> tuple[Any, float]:
    """Run ``call`` in a thread; fail (rather than hang the suite) when it has not returned in time."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()  # this thread's own database connection

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(give_up_after_s)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"still waiting on the stopped broker after {give_up_after_s} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], elapsed


def test_api_submits_answer_503_with_the_reason_in_under_two_seconds(stopped_broker, scenario, owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    for attempt in range(3):  # three submits used to take three web workers for good
        response, elapsed_s = _timed(lambda: client.post(f"/api/v1/scenarios/{scenario.pk}/runs/"))
        assert response.status_code == 503, response.content
        body = response.json()
        assert body["code"] == "queue_unavailable" and "job queue is unavailable" in body["detail"]
        assert elapsed_s < ANSWER_WITHIN_S, f"submit {attempt + 1} took {elapsed_s:.2f} s"
    runs = list(Run.objects.order_by("pk"))
    assert len(runs) == 3
    for run in runs:
        assert run.status == JobStatus.FAILED and "silent for 1 s" in run.error, run.error


def test_the_page_submit_shows_the_failed_run_in_under_two_seconds(stopped_broker, scenario, owner, client):
    client.force_login(owner)
    response, elapsed_s = _timed(lambda: client.post(f"/scenarios/{scenario.pk}/run/", follow=True))
    assert elapsed_s < ANSWER_WITHIN_S, f"the page submit took {elapsed_s:.2f} s"
    assert response.status_code == 200
    page = response.content.decode()
    assert "The run failed." in page and "job queue is unavailable" in page
    assert Run.objects.get().status == JobStatus.FAILED


def test_the_result_backend_is_bounded_too(stopped_broker):
    """The study chord's counter lives in the broker's Redis: its calls give up, never hang."""
    import redis
    from celery.backends.redis import RedisBackend

    from planner.celery import app

    backend = RedisBackend(app=app, url=stopped_broker)
    for name, call in {"get": lambda: backend.get("planner-probe"), "set": lambda: backend.set("p", "1")}.items():
        started = time.monotonic()
        with pytest.raises(redis.TimeoutError):
            _timed(call)
        elapsed_s = time.monotonic() - started
        # a read is one socket timeout; a write is retried once (CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS)
        assert elapsed_s < 2 * ANSWER_WITHIN_S, f"backend {name} gave up after {elapsed_s:.2f} s"


def test_the_shared_rate_limit_cache_is_bounded_too(stopped_broker):
    """With PLANNER_CACHE_URL on the same (hung) Redis, a rate-limit check gives up instead of
    holding the request forever."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import time, django; django.setup()\n"
        "from django.core.cache import cache\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    cache.get('planner-probe')\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, round(time.monotonic() - started, 2))\n"
    )
    env = {**os.environ, "PLANNER_CACHE_URL": stopped_broker, "DJANGO_SETTINGS_MODULE": "planner.settings"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    name, elapsed_s = done.stdout.split()
    assert name == "TimeoutError", done.stdout + done.stderr
    assert float(elapsed_s) < ANSWER_WITHIN_S
