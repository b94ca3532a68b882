"""The hot pages and API reads of the mixed load (benchmarks/bench_load.py) run a fixed number of
database queries, whatever the number of scenarios and runs (issue 20 #9): the deterministic half
of the load figures in docs/perf.md. A change that adds a query per row, or one more per request,
fails here instead of in a load test on a noisy machine."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.jobs.models import JobStatus
from planner.scenarios import services
from planner.scenarios.models import Run
from planner.scenarios.views.runs import RUN_LIST_PAGE

pytestmark = pytest.mark.django_db

# Each count starts with the session and its user (pages) or the token with its user (API).
PAGES = {"scenario-list": 4, "scenario-detail": 6, "run-detail": 4, "run-list": 3}
API = {"api-scenario-list": 3, "api-scenario-detail": 2, "api-run-detail": 2, "api-run-result": 2, "api-estimate": 4}
RUN_LINK = re.compile(r'<a href="/runs/\d+/">')
ESTIMATE = {"model": "llama-3.1-8b", "accelerator": "h100-sxm", "batch": 8}


@pytest.fixture
def world(owner, organisation, small_inputs, embedded):
    """Three scenarios; the first has a computed run and many queued ones (a busy organisation)."""
    scenarios = [
        services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs) for _ in range(3)
    ]
    computed = Run.objects.create(
        scenario=scenarios[0], scenario_version=1, inputs=small_inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=computed.pk)
    computed.refresh_from_db()
    assert computed.status == JobStatus.SUCCEEDED, computed.error
    return scenarios, computed


def _queue_runs(scenario, owner, count: int) -> None:
    Run.objects.bulk_create(
        Run(scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner)
        for _ in range(count)
    )


def _page_urls(scenarios, run) -> dict[str, str]:
    return {
        "scenario-list": reverse("scenario-list"),
        "scenario-detail": reverse("scenario-detail", args=[scenarios[0].pk]),
        "run-detail": reverse("run-detail", args=[run.pk]),
        "run-list": reverse("run-list"),
    }


def test_hot_pages_run_a_fixed_number_of_queries(client, owner, world, django_assert_num_queries):
    scenarios, run = world
    client.force_login(owner)
    urls = _page_urls(scenarios, run)
    for url in urls.values():
        client.get(url)  # warm: catalogs, templates
    for queued in (5, 120):  # a handful of runs, then more than a page
        _queue_runs(scenarios[0], owner, queued)
        for name, url in urls.items():
            with django_assert_num_queries(PAGES[name]):
                response = client.get(url)
            assert response.status_code == 200, name


def test_hot_api_reads_run_a_fixed_number_of_queries(owner, world, django_assert_num_queries):
    scenarios, run = world
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    urls = {
        "api-scenario-list": reverse("api-scenario-list"),
        "api-scenario-detail": reverse("api-scenario-detail", args=[scenarios[1].pk]),
        "api-run-detail": reverse("api-run-detail", args=[run.pk]),
        "api-run-result": reverse("api-run-result", args=[run.pk]),
    }
    api.post(reverse("api-estimate"), ESTIMATE, format="json")  # warm the catalogs
    _queue_runs(scenarios[0], owner, 60)
    for name, url in urls.items():
        with django_assert_num_queries(API[name]):
            response = api.get(url)
        assert response.status_code == 200, name
        if name == "api-run-detail":
            assert response.json()["submitted_by"] == owner.username
    with django_assert_num_queries(API["api-estimate"]):
        response = api.post(reverse("api-estimate"), ESTIMATE, format="json")
    assert response.status_code == 200 and response.json()["devices"] == 1


def test_the_scenario_list_shows_each_scenario_s_latest_run(client, owner, world):
    scenarios, run = world
    _queue_runs(scenarios[0], owner, 3)
    latest = Run.objects.filter(scenario=scenarios[0]).order_by("-created_at", "-id").first()
    client.force_login(owner)
    page = client.get(reverse("scenario-list")).content.decode()
    assert f'href="/runs/{latest.pk}/"' in page and f"#{latest.pk}" in page
    assert f"#{run.pk}</a>" not in page, "an older run is not the latest"
    assert page.count("not run") == 2, "the two scenarios without runs say so"


def test_the_run_list_pages_by_fifty_newest_first(client, owner, world):
    scenarios, run = world
    _queue_runs(scenarios[1], owner, RUN_LIST_PAGE + 9)
    ids = list(Run.objects.order_by("-id").values_list("pk", flat=True))
    client.force_login(owner)
    first = client.get(reverse("run-list")).content.decode()
    assert len(RUN_LINK.findall(first)) == RUN_LIST_PAGE
    assert f'href="/runs/{ids[0]}/"' in first and f'href="/runs/{ids[RUN_LIST_PAGE]}/"' not in first
    assert f'?before={ids[RUN_LIST_PAGE - 1]}"' in first, "a link to the older runs"
    older = client.get(reverse("run-list"), {"before": ids[RUN_LIST_PAGE - 1]}).content.decode()
    assert len(RUN_LINK.findall(older)) == len(ids) - RUN_LIST_PAGE == 10
    assert f'href="/runs/{run.pk}/"' in older and 'id="older-runs"' not in older
    bad = client.get(reverse("run-list"), {"before": "²"})
    assert bad.status_code == 400 and "before" in bad.content.decode()
