"""Reads scoped to what a user may see: members see their organisations' scenarios, nobody else."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from planner.ids import as_id
from planner.scenarios.models import Membership, Organisation, Role, Run, Scenario

_CAN_EDIT = {Role.PLANNER, Role.ADMIN}


def organisations_for_user(user: AbstractBaseUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def role_in(user: AbstractBaseUser, organisation_id: int) -> str | None:
    return Membership.objects.filter(user=user, organisation_id=organisation_id).values_list("role", flat=True).first()


def can_edit(user: AbstractBaseUser, organisation_id: int) -> bool:
    return role_in(user, organisation_id) in _CAN_EDIT


def scenarios_for_user(user: AbstractBaseUser) -> QuerySet[Scenario]:
    return Scenario.objects.filter(organisation__memberships__user=user).select_related("organisation", "owner")


def scenarios_with_latest_run(queryset: QuerySet[Scenario]) -> QuerySet[Scenario]:
    """Scenarios as the list shows them: without their documents (``inputs``), with the id and
    status of the latest run (``latest_run_id``, ``latest_run_status``) read in the same query —
    not every run of every scenario (the list page's cost grew with the runs; issue 20 #9)."""
    from django.db.models import OuterRef, Subquery

    latest = Run.objects.filter(scenario=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.defer("inputs").annotate(
        latest_run_id=Subquery(latest.values("id")[:1]),
        latest_run_status=Subquery(latest.values("status")[:1]),
    )


def scenario_for_user(user: AbstractBaseUser, scenario_id: int) -> Scenario:
    """The scenario if the user's organisation holds it; 404 otherwise (never reveal it exists)."""
    scenario = scenarios_for_user(user).filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404("No such scenario")
    return scenario


def runs_for_user(user: AbstractBaseUser) -> QuerySet[Run]:
    # submitted_by: every run page and API answer names who submitted it (one query fewer each)
    return Run.objects.filter(scenario__organisation__memberships__user=user).select_related("scenario", "submitted_by")


def runs_for_list(queryset: QuerySet[Run]) -> QuerySet[Run]:
    """Runs as lists show them: the missed constraints (``run.constraints``) and the peak
    (``list_peak_mw``) read inside the database from the result, whose JSON is not loaded."""
    from django.db.models.fields.json import KeyTransform

    return queryset.defer("inputs", "result").annotate(
        missed_constraints=KeyTransform("constraints", "result"),
        list_peak_mw=KeyTransform("peak_facility_power_mw", "result"),
    )


def run_for_user(user: AbstractBaseUser, run_id: int) -> Run:
    run = runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such run")
    return run


# ---- uploads and members (issue 6) ----------------------------------------------------------


def uploads_for_user(user: AbstractBaseUser):
    from planner.scenarios.models import Upload

    return Upload.objects.filter(organisation__memberships__user=user).select_related("organisation", "uploaded_by")


def upload_for_user(user: AbstractBaseUser, upload_id: int):
    upload = uploads_for_user(user).filter(pk=upload_id).first()
    if upload is None:
        raise Http404("No such upload")
    return upload


def editable_organisations(user: AbstractBaseUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        memberships__user=user, memberships__role__in=[Role.PLANNER, Role.ADMIN]
    ).order_by("name")


def members_of(organisation_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation_id=organisation_id).select_related("user").order_by("user__username")


GRID_UPLOAD_KINDS = ("carbon", "price", "system_load")


def upload_references(spec) -> list[tuple[str, str, str]]:
    """(field path, upload id, kind) of every upload the scenario names."""
    refs = [("site.weather_upload", spec.site.weather_upload, "weather")] if spec.site.weather_upload else []
    refs += [(f"grid.uploads.{kind}", upload_id, kind) for kind, upload_id in spec.grid.uploads.items()]
    events_upload = spec.flexibility.signal.events_upload if spec.flexibility is not None else None
    if events_upload:
        refs.append(("flexibility.signal.events_upload", events_upload, "events"))
    return refs


def upload_reference_errors(spec, *, organisation_id: int) -> dict[str, list[str]]:
    """Field path → message for each upload reference that is not an upload of that kind in this
    organisation. Checked when a scenario is saved (every face) and again when it runs."""
    from planner.scenarios.models import Upload

    errors: dict[str, list[str]] = {}
    for path, upload_id, kind in upload_references(spec):
        if path.startswith("grid.uploads.") and kind not in GRID_UPLOAD_KINDS:
            errors[path] = [f"must be one of {', '.join(GRID_UPLOAD_KINDS)}"]
            continue
        pk = as_id(upload_id)
        if pk is None or not Upload.objects.filter(organisation_id=organisation_id, kind=kind, pk=pk).exists():
            errors[path] = [f"no {kind} upload #{upload_id} in this organisation"]
    return errors


def upload_inputs_for_spec(spec, *, organisation_id: int):
    """(weather, uploads) for the runner from the scenario's upload references.

    Raises ScenarioError naming site.weather_upload or grid.uploads.<kind> when a reference is not
    an upload of this organisation or is of the wrong kind.
    """
    from planner.engine.result import hourly_from_npz
    from planner.engine.schema import ScenarioError
    from planner.scenarios.models import Upload
    from planner.scenarios.uploads import SERIES, weather_from_arrays

    errors = upload_reference_errors(spec, organisation_id=organisation_id)
    if errors:
        raise ScenarioError(errors)

    def fetch(path: str, upload_id: str, kind: str):
        return Upload.objects.get(organisation_id=organisation_id, kind=kind, pk=int(upload_id))

    weather = None
    if spec.site.weather_upload:
        upload = fetch("site.weather_upload", spec.site.weather_upload, "weather")
        weather = weather_from_arrays(hourly_from_npz(upload.npz), source=f"upload #{upload.pk} {upload.name}")
    series = {}
    for kind, upload_id in spec.grid.uploads.items():
        upload = fetch(f"grid.uploads.{kind}", upload_id, kind)
        series[kind] = hourly_from_npz(upload.npz)[SERIES[kind][0]]
    if spec.flexibility is not None and spec.flexibility.signal.events_upload:
        upload = fetch("flexibility.signal.events_upload", spec.flexibility.signal.events_upload, "events")
        series["events"] = hourly_from_npz(upload.npz)["events"]
    return weather, (series or None)
