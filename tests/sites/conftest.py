"""Site comparison fixtures: a three-site comparison document, its computed result (computed once per
session by the real core, then stored on each test's run row), and API clients."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
_COMPUTED: dict[str, dict] = {}


@pytest.fixture
def comparison_inputs() -> dict:
    """Ashburn / Dallas / Singapore for the example demand (Luleå left out to keep the tests quick)."""
    document = json.loads((ROOT / "examples" / "site-comparisons" / "ashburn-dallas-lulea-singapore.json").read_text())
    document["sites"] = [s for s in document["sites"] if s["name"] != "Luleå"]
    return document


@pytest.fixture
def computed_result(comparison_inputs) -> dict:
    if "result" not in _COMPUTED:
        from planner.engine.site_comparison import compare_sites, parse_comparison

        _COMPUTED["result"] = compare_sites(parse_comparison(comparison_inputs))
    return _COMPUTED["result"]


@pytest.fixture
def comparison(owner, organisation, comparison_inputs):
    from planner.sites import services

    return services.comparison_create(organisation=organisation, created_by=owner, inputs=comparison_inputs)


@pytest.fixture
def finished_comparison_run(comparison, owner, computed_result):
    from django.utils import timezone

    from planner.jobs.models import JobStatus
    from planner.sites.models import ComparisonRun

    return ComparisonRun.objects.create(
        comparison=comparison,
        inputs=comparison.inputs,
        submitted_by=owner,
        status=JobStatus.SUCCEEDED,
        result=computed_result,
        finished_at=timezone.now(),
    )


@pytest.fixture
def api(request):
    def make(who: str | None):
        return client_for(request.getfixturevalue(who) if who else None)

    return make


@pytest.fixture(autouse=True)
def _jobs_in_process(request):
    """Jobs run in the test process even when a broker is configured (CI)."""
    from planner.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
