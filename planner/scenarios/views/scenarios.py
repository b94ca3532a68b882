"""Scenario pages: list, the editor (structured or JSON), detail, clone and history."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from planner.engine.schema import ScenarioError
from planner.scenarios import catalogs, selectors, services
from planner.scenarios.compare import inputs_that_differ
from planner.scenarios.forms import ScenarioDocumentForm, editor_forms
from planner.scenarios.models import Scenario
from planner.scenarios.views.common import example_document, require_editor


@login_required
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    scenarios = selectors.scenarios_with_latest_run(selectors.scenarios_for_user(request.user))
    can_create = selectors.editable_organisations(request.user).exists()
    return render(request, "scenarios/list.html", {"scenarios": scenarios, "can_create": can_create})


def _editor_page(
    request: HttpRequest,
    *,
    document: dict[str, Any],
    organisations: Any,
    organisation: Any,
    scenario: Scenario | None,
) -> tuple[HttpResponse | None, dict[str, Any] | None, Any]:
    """Handle the structured editor or (with `document` in POST / ?mode=json) the JSON editor.

    Returns (response to send, or None) and, when valid, the document and organisation to save.
    """
    json_mode = request.GET.get("mode") == "json" or "document" in request.POST
    uploads = selectors.uploads_for_user(request.user).filter(organisation__in=organisations)
    title = f"Edit {scenario.name}" if scenario else "New scenario"
    status = 400 if request.method == "POST" else 200
    if json_mode:
        form = ScenarioDocumentForm(
            request.POST or None,
            organisations=organisations,
            initial={"document": json.dumps(document, indent=2), "organisation": organisation},
        )
        if request.method == "POST" and form.is_valid():
            return None, form.cleaned_data["document"], form.cleaned_data["organisation"]
        context = {"form": form, "title": title, "scenario": scenario, "mode": "json"}
        return render(request, "scenarios/form_json.html", context, status=status), None, None
    editor = editor_forms(
        data=request.POST if request.method == "POST" else None,
        document=document,
        organisations=organisations,
        organisation=organisation,
        uploads=uploads,
    )
    if request.method == "POST" and editor.is_valid():
        return None, editor.document, editor.main.cleaned_data["organisation"]
    context = {
        "editor": editor,
        "title": title,
        "scenario": scenario,
        "shapes_json": catalogs.daily_shapes(),
        "regions_json": catalogs.region_defaults_all(),
        "demand_uploads": [
            {"id": u.pk, "name": u.name, "shape": u.summary.get("daily_shape")} for u in uploads.filter(kind="demand")
        ],
    }
    return render(request, "scenarios/editor.html", context, status=status), None, None


@login_required
def scenario_create(request: HttpRequest) -> HttpResponse:
    editable = selectors.editable_organisations(request.user)
    if not editable.exists():
        raise PermissionDenied("You need the planner role in an organisation to create scenarios.")
    # The worked example fills every figure; the name and description are the user's to write.
    start = {**example_document(), "name": "", "description": ""}
    response, document, organisation = _editor_page(
        request, document=start, organisations=editable, organisation=editable.first(), scenario=None
    )
    if response is not None:
        return response
    try:
        scenario = services.scenario_create(owner=request.user, organisation=organisation, inputs=document)
    except ScenarioError as error:  # already validated; kept for safety
        messages.error(request, str(error))
        return redirect("scenario-create")
    messages.success(request, f"Saved “{scenario.name}”. Run it to see the result.")
    return redirect("scenario-detail", scenario_id=scenario.pk)


@login_required
def scenario_edit(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    require_editor(request.user, scenario.organisation_id, "edit scenarios")
    organisations = selectors.organisations_for_user(request.user).filter(pk=scenario.organisation_id)
    response, document, _organisation = _editor_page(
        request,
        document=scenario.inputs,
        organisations=organisations,
        organisation=scenario.organisation,
        scenario=scenario,
    )
    if response is not None:
        return response
    updated = services.scenario_update(scenario=scenario, author=request.user, inputs=document)
    if updated.version == scenario.version:
        messages.info(request, f"Nothing changed; the scenario stays at version {scenario.version}.")
    else:
        messages.success(request, f"Saved as version {updated.version}.")
    return redirect("scenario-detail", scenario_id=scenario.pk)


@login_required
@require_GET
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    runs = list(selectors.runs_for_list(scenario.runs.select_related("submitted_by"))[:50])
    context = {
        "scenario": scenario,
        "runs": runs,
        "revisions": scenario.revisions.select_related("author").defer("inputs")[:5],  # the list names them only
        "can_edit": selectors.can_edit(request.user, scenario.organisation_id),
        "inputs_json": json.dumps(scenario.inputs, indent=2),
        "spec": scenario.inputs,
    }
    return render(request, "scenarios/detail.html", context)


@login_required
@require_POST
def scenario_clone(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    require_editor(request.user, scenario.organisation_id, "clone scenarios")
    clone = services.scenario_clone(scenario=scenario, owner=request.user)
    messages.success(request, f"Cloned as “{clone.name}”. Change one lever and run it to compare.")
    return redirect("scenario-detail", scenario_id=clone.pk)


@login_required
@require_GET
def scenario_history(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    revisions = list(scenario.revisions.select_related("author"))
    entries = []
    for index, revision in enumerate(revisions):
        previous = revisions[index + 1] if index + 1 < len(revisions) else None
        changes = inputs_that_differ([previous.inputs, revision.inputs]) if previous else []
        entries.append({"revision": revision, "changes": changes, "first": previous is None})
    context = {
        "scenario": scenario,
        "entries": entries,
        "can_edit": selectors.can_edit(request.user, scenario.organisation_id),
    }
    return render(request, "scenarios/history.html", context)


@login_required
@require_GET
def scenario_revision(request: HttpRequest, scenario_id: int, version: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    revision = scenario.revisions.select_related("author").filter(version=version).first()
    if revision is None:
        raise Http404("No such version")
    context = {
        "scenario": scenario,
        "revision": revision,
        "inputs_json": json.dumps(revision.inputs, indent=2),
        "changes": inputs_that_differ([revision.inputs, scenario.inputs]),
        "can_edit": selectors.can_edit(request.user, scenario.organisation_id),
    }
    return render(request, "scenarios/revision.html", context)


@login_required
@require_POST
def scenario_restore(request: HttpRequest, scenario_id: int, version: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    require_editor(request.user, scenario.organisation_id, "restore versions")
    revision = scenario.revisions.filter(version=version).first()
    if revision is None:
        raise Http404("No such version")
    updated = services.scenario_update(scenario=scenario, author=request.user, inputs=revision.inputs)
    messages.success(request, f"Version {version} restored as version {updated.version}.")
    return redirect("scenario-detail", scenario_id=scenario.pk)
