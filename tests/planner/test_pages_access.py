"""Every page and action with the owner / teammate / viewer / outsider: members see their
organisation's things, viewers only read, outsiders get 404 (never a hint that it exists)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planner.scenarios import services
from planner.scenarios.models import Membership, Run, RunStatus, Scenario, ScenarioRevision, Upload

pytestmark = pytest.mark.django_db


def _carbon_csv() -> bytes:
    import numpy as np

    hours = np.arange("2023-01-01T00", "2024-01-01T00", dtype="datetime64[h]")
    rows = [f"{str(t).replace('T', ' ')}:00,{300 + (i % 24)}" for i, t in enumerate(hours)]
    return ("time,carbon_g_per_kwh\n" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


def _computed_run(scenario, owner) -> Run:
    """A run computed in this process (the worker path has its own tests)."""
    run = Run.objects.create(
        scenario=scenario, scenario_version=scenario.version, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def finished_run(scenario, owner):
    return _computed_run(scenario, owner)


@pytest.fixture
def second_run(scenario, owner, finished_run):
    return _computed_run(scenario, owner)


@pytest.fixture
def upload(organisation, owner):
    return services.upload_create(
        organisation=organisation, uploaded_by=owner, kind="carbon", name="grid mix", content=_carbon_csv()
    )


def _reads(scenario, run, run2, upload) -> list[tuple[str, list]]:
    return [
        ("scenario-detail", [scenario.pk]),
        ("scenario-history", [scenario.pk]),
        ("scenario-revision", [scenario.pk, 1]),
        ("run-detail", [run.pk]),
        ("run-status", [run.pk]),
        ("run-hourly", [run.pk]),
        ("run-levers", [run.pk]),
        ("upload-detail", [upload.pk]),
        ("upload-data", [upload.pk]),
        ("organisation-detail", [scenario.organisation_id]),
    ]


def _compare_url(*runs) -> str:
    return reverse("run-compare") + "?" + "&".join(f"run={r.pk}" for r in runs)


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_it_shows_every_page_to_members(client, request, who, scenario, finished_run, second_run, upload):
    client.force_login(request.getfixturevalue(who))
    for name, args in _reads(scenario, finished_run, second_run, upload):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    for name in ("scenario-list", "run-list", "upload-list", "catalog"):
        page = client.get(reverse(name)).content.decode()
        assert scenario.name in page or name in {"catalog", "upload-list"}, name
    assert client.get(_compare_url(finished_run, second_run)).status_code == 200
    assert "grid mix" in client.get(reverse("upload-list")).content.decode()


def test_it_hides_every_page_and_action_from_an_outsider(client, outsider, scenario, finished_run, second_run, upload):
    client.force_login(outsider)
    for name, args in _reads(scenario, finished_run, second_run, upload):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.get(reverse("scenario-edit", args=[scenario.pk])).status_code == 404
    assert client.get(_compare_url(finished_run, second_run)).status_code == 404
    for page in ("scenario-list", "run-list", "upload-list"):
        body = client.get(reverse(page)).content.decode()
        assert scenario.name not in body and "grid mix" not in body, page
    actions = [
        ("run-create", [scenario.pk], {}),
        ("scenario-clone", [scenario.pk], {}),
        ("scenario-edit", [scenario.pk], {"document": "{}"}),
        ("scenario-restore", [scenario.pk, 1], {}),
        ("run-rerun", [finished_run.pk], {}),
        ("organisation-member-set", [scenario.organisation_id], {"username": "outsider", "role": "admin"}),
    ]
    for name, args, data in actions:
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    assert Run.objects.count() == 2 and Scenario.objects.count() == 1
    assert not Membership.objects.filter(user=outsider, organisation=scenario.organisation).exists()


def test_it_lets_a_viewer_read_but_change_nothing(client, viewer, scenario, finished_run):
    client.force_login(viewer)
    assert client.get(reverse("scenario-edit", args=[scenario.pk])).status_code == 403
    assert client.get(reverse("scenario-create")).status_code == 403
    assert client.get(reverse("upload-create")).status_code == 403
    for name, args in [
        ("run-create", [scenario.pk]),
        ("scenario-clone", [scenario.pk]),
        ("scenario-edit", [scenario.pk]),
        ("scenario-restore", [scenario.pk, 1]),
        ("run-rerun", [finished_run.pk]),
        ("organisation-member-set", [scenario.organisation_id]),
    ]:
        assert client.post(reverse(name, args=args), {"username": "viewer", "role": "admin"}).status_code == 403, name
    page = client.get(reverse("scenario-detail", args=[scenario.pk])).content.decode()
    assert 'id="run-button"' not in page and 'id="edit-button"' not in page
    assert Run.objects.count() == 1 and Scenario.objects.count() == 1 and ScenarioRevision.objects.count() == 1
    assert Membership.objects.get(user=viewer).role == "viewer"


def test_it_lets_a_teammate_run_clone_and_restore(client, teammate, scenario, finished_run, small_inputs):
    client.force_login(teammate)
    assert client.post(reverse("run-rerun", args=[finished_run.pk])).status_code == 302
    response = client.post(reverse("scenario-clone", args=[scenario.pk]))
    clone = Scenario.objects.exclude(pk=scenario.pk).get()
    assert response["Location"] == reverse("scenario-detail", args=[clone.pk])
    assert clone.owner == teammate and clone.inputs["workloads"] == scenario.inputs["workloads"]
    services.scenario_update(
        scenario=scenario, author=teammate, inputs={**scenario.inputs, "description": "second version"}
    )
    assert client.post(reverse("scenario-restore", args=[scenario.pk, 1])).status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 3 and scenario.inputs["description"] == small_inputs["description"]


def test_it_lets_only_an_admin_manage_members(client, owner, viewer, organisation):
    Membership.objects.filter(user=owner).update(role="admin")
    client.force_login(owner)
    response = client.post(
        reverse("organisation-member-set", args=[organisation.pk]), {"username": "viewer", "role": "planner"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=viewer).role == "planner"
    client.post(reverse("organisation-member-set", args=[organisation.pk]), {"username": "nobody", "role": "planner"})
    assert "no user named" in client.get(reverse("organisation-detail", args=[organisation.pk])).content.decode()


def test_it_refuses_an_upload_reference_from_another_organisation(owner, outsider, other_organisation, scenario):
    from planner.engine.schema import ScenarioError, parse_scenario
    from planner.scenarios.selectors import upload_inputs_for_spec

    foreign = services.upload_create(
        organisation=other_organisation, uploaded_by=outsider, kind="carbon", name="theirs", content=_carbon_csv()
    )
    spec = parse_scenario(
        {**scenario.inputs, "grid": {**scenario.inputs["grid"], "uploads": {"carbon": str(foreign.pk)}}}
    )
    with pytest.raises(ScenarioError) as error:
        upload_inputs_for_spec(spec, organisation_id=scenario.organisation_id)
    assert "grid.uploads.carbon" in error.value.errors
    assert Upload.objects.count() == 1


def test_it_lists_an_organisations_own_accelerator_only_to_its_members(client, owner, outsider, organisation):
    import dataclasses

    from accelerators.catalog import get_accelerator
    from accelerators.models import AcceleratorEntry

    data = dataclasses.asdict(get_accelerator("alveo-v80"))
    data.update(slug="alpha-fpga", name="Alpha FPGA overlay", power_limit_w=150.0)
    AcceleratorEntry.objects.create(slug="alpha-fpga", name=data["name"], data=data, organisation=organisation)
    client.force_login(owner)
    page = client.get(reverse("catalog-section", args=["accelerators"])).content.decode()
    assert "Alpha FPGA overlay" in page and "Alpha Grid Co's own entry" in page and "150" in page
    client.force_login(outsider)
    assert "Alpha FPGA overlay" not in client.get(reverse("catalog-section", args=["accelerators"])).content.decode()
