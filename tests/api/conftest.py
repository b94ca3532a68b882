"""API fixtures: clients for the owner / teammate / viewer / outsider, a scenario and a run."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.scenarios import services
from planner.scenarios.models import Run, RunStatus


def client_for(user) -> APIClient:
    """A client that authenticates like a script: with the user's API token."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(request):
    """api('owner') → an APIClient authenticated with that fixture user's token."""

    def make(who: str | None) -> APIClient:
        return client_for(request.getfixturevalue(who) if who else None)

    return make


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


@pytest.fixture
def finished_run(scenario, owner):
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def queued_run(scenario, owner):
    return Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )


@pytest.fixture(autouse=True)
def _jobs_in_process(request):
    """Outside the real-worker tests, jobs run in the test process even when a broker is
    configured (CI), so that a test sees the job's effect without a worker."""
    if request.node.get_closest_marker("services"):
        yield
        return
    from planner.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
