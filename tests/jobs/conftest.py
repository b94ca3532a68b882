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
