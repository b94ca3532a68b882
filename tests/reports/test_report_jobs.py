"""report_build is idempotent: one claim per report, failures recorded, a failed report requeued."""

import pytest
from django.utils import timezone

from planner.reports import builders, services
from planner.reports.models import Report, ReportStatus
from planner.scenarios import services as scenario_services
from planner.scenarios.models import Run, RunStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def succeeded_run(owner, organisation, small_inputs):
    """A succeeded run with a small hand-made result (no engine needed for the job mechanics)."""
    scenario = scenario_services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    return Run.objects.create(
        scenario=scenario,
        scenario_version=1,
        inputs=scenario.inputs,
        input_hash="h",
        submitted_by=owner,
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        result={"peak_facility_power_mw": 12.5, "annual_facility_energy_mwh": 90_000.0},
    )


def test_it_builds_once_and_ignores_a_redelivered_job(succeeded_run, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = services.report_request(run=succeeded_run, kind="json")
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED and report.attempts == 1
    finished_at = report.finished_at
    assert services.report_build(report_id=report.pk) is None  # the same message again does nothing
    report.refresh_from_db()
    assert report.attempts == 1 and report.finished_at == finished_at


def test_it_records_why_a_build_failed_and_requeues_on_request(
    succeeded_run, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(content):
        raise RuntimeError("disk full")

    monkeypatch.setitem(builders.BUILDERS, "csv", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(run=succeeded_run, kind="csv")
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "disk full" in report.error

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.report_request(run=succeeded_run, kind="csv")
    assert again.pk == report.pk and len(callbacks) == 1
    again.refresh_from_db()
    assert again.status == ReportStatus.SUCCEEDED and again.attempts == 2 and again.error == ""


def test_it_reclaims_a_report_whose_job_vanished(succeeded_run, settings):
    stale = timezone.now() - timezone.timedelta(seconds=settings.RUN_STALE_AFTER_S + 60)
    report = Report.objects.create(
        run=succeeded_run, kind="json", status=ReportStatus.RUNNING, started_at=stale, heartbeat_at=stale
    )
    assert services.report_build(report_id=report.pk).status == ReportStatus.SUCCEEDED
    now = timezone.now()
    fresh = Report.objects.create(
        run=succeeded_run, kind="csv", status=ReportStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    assert services.report_build(report_id=fresh.pk) is None, "a live job keeps its report"


def test_it_refuses_a_run_without_a_result(succeeded_run):
    Run.objects.filter(pk=succeeded_run.pk).update(status=RunStatus.FAILED)
    succeeded_run.refresh_from_db()
    with pytest.raises(services.ReportNotPossible, match="failed"):
        services.report_request(run=succeeded_run, kind="pdf")
    with pytest.raises(ValueError, match="kind must be one of"):
        services.report_request(run=succeeded_run, kind="docx")
