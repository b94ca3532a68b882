"""Job-lifecycle fixtures: a broker that cannot be reached (a closed port), and a scenario."""

from __future__ import annotations

import socket

import pytest


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """Broker mode (not embedded) with the broker URL pointing at a closed port."""
    from planner.celery import app

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield settings.CELERY_BROKER_URL
    app.conf.task_always_eager = eager


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    from planner.scenarios import services

    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


@pytest.fixture
def stopped_broker(settings, tmp_path):
    """Broker mode against a throwaway redis-server of this test (never the shared one on 6379),
    frozen with SIGSTOP: it accepts TCP connections but never answers, as a hung broker does.
    Teardown always resumes (SIGCONT) and shuts it down."""
    import shutil
    import signal
    import subprocess
    import time

    import redis

    from planner.celery import app
    from tests.conftest import needs

    server = shutil.which("redis-server")
    if server is None:
        needs("redis-server is not installed (the hung-broker tests start their own)")
    port = _closed_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the throwaway redis-server on port {port} did not start") from None
                time.sleep(0.05)
        settings.CELERY_BROKER_URL = url
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        process.send_signal(signal.SIGSTOP)
        try:
            yield url
        finally:
            app.conf.task_always_eager = eager
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
