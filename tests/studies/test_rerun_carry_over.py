"""A re-run of a failed or cancelled study run keeps the points it stored (issue 20 #4).

Before, a re-run started from zero: three lost workers failed a study that had 98 % of its points
and the re-run computed them all again. Now the new run starts from the stored points of the failed
run of the same definition and inputs (copied at submit; only the others are computed), and the run
page says "N points carried over from run #M".
"""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from planner.jobs.models import JobStatus
from planner.scenarios import services as scenario_services
from planner.studies import services
from planner.studies.models import PointStatus, StudyRun
from tests.api.conftest import client_for
from tests.studies.conftest import make_study, submit

pytestmark = pytest.mark.django_db

RATES = [1000 * (i + 1) for i in range(6)]


def _failed_run(study, owner, django_capture_on_commit_callbacks, *, keep: int, failed_points: int = 0) -> StudyRun:
    """A run of the study that stored its first ``keep`` points (``failed_points`` of them failed
    after their retries) and was then cancelled."""
    run, _ = submit(study, owner, django_capture_on_commit_callbacks)
    assert run.status == JobStatus.SUCCEEDED, run.error
    run.points.filter(index__gte=keep).delete()
    run.points.filter(index__lt=failed_points).update(status=PointStatus.FAILED, kpis={}, error="RuntimeError: lost")
    StudyRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED, error=f"cancelled by {owner.username}")
    run.refresh_from_db()
    return run


def test_the_page_re_run_starts_from_the_stored_points_and_says_so(
    client, scenario, owner, django_capture_on_commit_callbacks
):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": RATES}})
    failed = _failed_run(study, owner, django_capture_on_commit_callbacks, keep=4, failed_points=1)
    client.force_login(owner)
    page = client.get(reverse("study-run-detail", args=[failed.pk])).content.decode()
    assert 'id="rerun-study"' in page and "starts from the 4 points stored here" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("study-run-create", args=[study.pk]))
    rerun = StudyRun.objects.exclude(pk=failed.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("study-run-detail", args=[rerun.pk])
    assert rerun.status == JobStatus.SUCCEEDED, rerun.error
    # Points 1–3 are carried over (point 0 failed after its retries: computed again), 0 and 4–5 computed.
    assert (rerun.carried_over_from_id, rerun.points_carried_over) == (failed.pk, 3)
    assert sorted(rerun.points.values_list("index", flat=True)) == list(range(len(RATES)))
    for index in (1, 2, 3):
        kept, copied = failed.points.get(index=index), rerun.points.get(index=index)
        assert copied.kpis == kept.kpis and copied.values == kept.values and copied.compute_s == kept.compute_s
        assert copied.created_at < rerun.started_at, "copied at submit, not computed by the run"
    for index in (0, 4, 5):
        assert rerun.points.get(index=index).created_at >= rerun.started_at, "computed by the re-run"
    assert rerun.points.get(index=0).status == PointStatus.COMPUTED
    assert rerun.summary["computed"] == len(RATES)

    page = client.get(reverse("study-run-detail", args=[rerun.pk])).content.decode()
    assert (
        f'3 points carried over from <a href="{reverse("study-run-detail", args=[failed.pk])}">run #{failed.pk}</a>'
        in page
    )
    detail = client.get(reverse("study-detail", args=[study.pk])).content.decode()
    assert f"(3 carried over from #{failed.pk})" in detail
    # The study has completed since: a new run computes anew (the failed run is older).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("study-run-create", args=[study.pk]))
    again = StudyRun.objects.order_by("-pk").first()
    assert again.points_carried_over == 0 and again.carried_over_from_id is None


def test_the_api_re_run_carries_over_only_for_the_same_definition_and_inputs(
    scenario, owner, django_capture_on_commit_callbacks
):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": RATES}})
    failed = _failed_run(study, owner, django_capture_on_commit_callbacks, keep=5)
    api = client_for(owner)
    with django_capture_on_commit_callbacks(execute=False):
        body = api.post(f"/api/v1/studies/{study.pk}/runs/").json()
    assert body["carried_over_from"] == failed.pk and body["points_carried_over"] == 5
    assert body["points_stored"] == 5 and body["status"] == "queued"
    StudyRun.objects.filter(pk=body["id"]).update(status=JobStatus.FAILED, error="cancelled")

    # Another definition: its points are other points, nothing is carried over.
    services.study_update(
        study=study, definition={"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": RATES[:5]}}
    )
    with django_capture_on_commit_callbacks(execute=False):
        body = api.post(f"/api/v1/studies/{study.pk}/runs/").json()
    assert body["carried_over_from"] is None and body["points_carried_over"] == 0 and body["points_stored"] == 0
    StudyRun.objects.filter(pk=body["id"]).update(status=JobStatus.FAILED, error="cancelled")

    # The scenario changed under the same definition: nothing is carried over either.
    services.study_update(study=study, definition=failed.definition)
    scenario_services.scenario_update(
        scenario=scenario, author=owner, inputs={**scenario.inputs, "description": "edited"}
    )
    with django_capture_on_commit_callbacks(execute=False):
        body = api.post(f"/api/v1/studies/{study.pk}/runs/").json()
    assert body["carried_over_from"] is None and body["points_carried_over"] == 0


def test_a_study_failed_at_98_percent_is_finished_by_computing_the_last_2_percent(
    scenario, owner, django_capture_on_commit_callbacks, record_property
):
    """The issue's case: a run stopped with 49 of its 50 points stored; the re-run computes one."""
    rates = [1000 + 50 * i for i in range(50)]
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": rates}})
    started = time.perf_counter()
    failed = _failed_run(study, owner, django_capture_on_commit_callbacks, keep=49)
    full_s = time.perf_counter() - started
    started = time.perf_counter()
    rerun, _ = submit(study, owner, django_capture_on_commit_callbacks)
    rerun_s = time.perf_counter() - started
    assert rerun.status == JobStatus.SUCCEEDED, rerun.error
    assert rerun.points_carried_over == 49 and rerun.carried_over_from_id == failed.pk
    assert rerun.points.filter(created_at__gte=rerun.started_at).count() == 1, "only the missing point computed"
    assert rerun.summary["computed"] == 50
    record_property("full_run_s", round(full_s, 2))
    record_property("rerun_s", round(rerun_s, 2))
    print(f"50-point sweep: first run {full_s:.2f} s; re-run with 49 points carried over {rerun_s:.2f} s")
