"""One real computed run (the example scenario through the engine) and its four report files,
built once per test session inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


def build(run, kind: str) -> bytes:
    from planner.reports.builders import build_file
    from planner.reports.content import report_content

    return build_file(kind=kind, content=report_content(run=run, sensitivity=kind == "pdf")).data


@pytest.fixture(scope="session")
def built(django_db_setup, django_db_blocker) -> SimpleNamespace:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from planner.engine.result import hourly_from_npz
    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation, Run, RunStatus

    inputs = json.loads((ROOT / "examples" / "ashburn-chat.json").read_text())
    with django_db_blocker.unblock(), transaction.atomic():
        user = get_user_model().objects.create_user(username="report-owner", password="pw")
        organisation = Organisation.objects.create(name="Report Utility Co")
        Membership.objects.create(user=user, organisation=organisation, role="planner")
        scenario = services.scenario_create(owner=user, organisation=organisation, inputs=inputs)
        run = Run.objects.create(
            scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=user
        )
        services.run_execute(run_id=run.pk)
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED, run.error
        files = {kind: build(run, kind) for kind in ("pdf", "xlsx", "csv", "json")}
        snapshot = SimpleNamespace(
            pk=run.pk,
            scenario_name=scenario.name,
            code_version=run.code_version or run.result["meta"]["code_version"],
            result=run.result,
            inputs=run.inputs,
            hourly=hourly_from_npz(run.hourly.npz),
            **files,
        )
        transaction.set_rollback(True)
    return snapshot


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
