"""Writes: create, update and delete comparisons; submit and execute their computation (a job)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from planner.engine.schema import ScenarioError
from planner.engine.site_comparison import SiteComparisonSpec, compare_sites, parse_comparison
from planner.jobs.deletion import refuse_while_in_progress
from planner.jobs.lifecycle import JobFailure, ProgressFn, job_dispatch
from planner.jobs.models import JobStatus
from planner.scenarios.custom_catalog import AmbiguousEntry, comparison_with_custom_entries
from planner.scenarios.models import Organisation
from planner.sites.models import ComparisonRun, SiteComparison

SITE_COMPARISON_JOB = "site_comparison"


def comparison_create(
    *, organisation: Organisation, created_by: AbstractBaseUser, inputs: dict[str, Any]
) -> SiteComparison:
    """Validate (ScenarioError naming each bad field) and store a comparison."""
    spec = comparison_validate(inputs, organisation_id=organisation.pk)
    return SiteComparison.objects.create(
        organisation=organisation, name=spec.name, inputs=inputs, created_by=created_by
    )


def comparison_validate(inputs: Any, *, organisation_id: int) -> SiteComparisonSpec:
    """The comparison as it would compute: the organisation's own accelerators, models, sites and
    regions resolved (planner.scenarios.custom_catalog's rule); ScenarioError naming each bad field."""
    if not isinstance(inputs, dict):
        return parse_comparison(inputs)
    try:
        spec = parse_comparison(comparison_with_custom_entries(inputs, organisation_id=organisation_id))
    except AmbiguousEntry as error:  # one organisation: cannot happen, kept for the rule's completeness
        raise ScenarioError({error.field: [str(error)]}) from None
    _events_upload(spec, organisation_id=organisation_id)  # the organisation check of an uploaded schedule
    return spec


def _events_upload(spec: SiteComparisonSpec, *, organisation_id: int):
    """The uploaded event schedule the comparison's scenario names (n × 4), or None; ScenarioError naming
    scenario.flexibility.signal.events_upload when it is not an events upload of this organisation."""
    from planner.engine.result import hourly_from_npz
    from planner.ids import as_id
    from planner.scenarios.models import Upload

    flexibility = spec.scenario.flexibility
    upload_id = flexibility.signal.events_upload if flexibility is not None else None
    if not upload_id:
        return None
    upload = Upload.objects.filter(organisation_id=organisation_id, kind="events", pk=as_id(upload_id) or -1).first()
    if upload is None:
        field = "scenario.flexibility.signal.events_upload"
        raise ScenarioError({field: [f"no events upload #{upload_id} in this organisation"]})
    return hourly_from_npz(upload.npz)["events"]


def comparison_update(*, comparison: SiteComparison, inputs: dict[str, Any]) -> SiteComparison:
    spec = comparison_validate(inputs, organisation_id=comparison.organisation_id)
    comparison.name, comparison.inputs = spec.name, inputs
    comparison.save(update_fields=["name", "inputs", "updated_at"])
    return comparison


def comparison_delete(*, comparison: SiteComparison) -> None:
    """Delete the comparison with its runs; JobsInProgress (409) while a run is queued or running
    (the one rule of portfolios and studies, planner/jobs/deletion.py)."""
    with transaction.atomic():
        locked = SiteComparison.objects.select_for_update().get(pk=comparison.pk)
        refuse_while_in_progress(locked.runs.all(), what="site comparison")
        locked.delete()


def comparison_run_inputs(comparison: SiteComparison) -> dict[str, Any]:
    """What a run computes: the comparison with the own entries it names replaced by their
    definitions, so the run stays reproducible when an entry is edited later."""
    return comparison_with_custom_entries(comparison.inputs, organisation_id=comparison.organisation_id)


def comparison_run_submit(
    *, comparison: SiteComparison, submitted_by: AbstractBaseUser, idempotency_key: str = ""
) -> tuple[ComparisonRun, bool]:
    """Queue a computation of the comparison's current inputs (dispatched after commit); (run, created).

    Raises JobQueueUnavailable (from the commit) when the broker cannot take the job: the run is then
    stored as failed with the reason, and its Idempotency-Key released.
    """
    with transaction.atomic():
        SiteComparison.objects.select_for_update().filter(pk=comparison.pk).first()
        if idempotency_key:
            existing = ComparisonRun.objects.filter(comparison=comparison, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        run = ComparisonRun.objects.create(
            comparison=comparison,
            inputs=comparison_run_inputs(comparison),
            submitted_by=submitted_by,
            idempotency_key=idempotency_key,
        )
        job_dispatch(kind=SITE_COMPARISON_JOB, job_id=run.pk)
    return run, True


def comparison_compute(run_id: int, progress: ProgressFn) -> JobStatus:
    """The job's work (planner.jobs JobKind "site_comparison"): every site, ranked, stored on the run.

    A comparison in which no site can serve every interactive workload within its cap and water
    limit finishes as CONSTRAINTS_NOT_MET, with the reasons per site in the result.
    """
    run = ComparisonRun.objects.get(pk=run_id)
    try:
        spec = parse_comparison(run.inputs)
        events = _events_upload(spec, organisation_id=run.comparison.organisation_id)
    except ScenarioError as error:
        raise JobFailure(f"invalid comparison: {error}") from error
    result = compare_sites(spec, progress=progress, events=events)
    ComparisonRun.objects.filter(pk=run_id, status=JobStatus.RUNNING).update(result=result)
    if result["ranking"]:
        return JobStatus.SUCCEEDED
    ComparisonRun.objects.filter(pk=run_id).update(
        error="no candidate site can serve every interactive workload within its limits; see each site's reasons"
    )
    return JobStatus.CONSTRAINTS_NOT_MET
